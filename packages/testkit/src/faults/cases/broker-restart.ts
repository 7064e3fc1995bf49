import type { FaultCase } from '../fault-case.ts';
import { seconds, sleep } from '../fault-harness.ts';
import { SteadyPublisher } from '../publishers.ts';

/** Outage between the kill and the restart, so clients see the broker gone, not a blip. */
const DOWNTIME_MS = 2_000;

/**
 * One service publishes and consumes a steady keyed stream; the broker is killed (SIGKILL) and
 * started again on its data. Every acknowledged event must be handled; publishes during the outage
 * either wait it out or fail with a retriable error, and the stream resumes by itself.
 */
export const brokerRestart: FaultCase = {
  scenario: 'broker-restart',
  title: 'loses no acknowledged event when the broker is killed and restarted on its data mid-stream',
  needs: { broker: true, persistent: true },
  async run(h) {
    const topic = h.topic();
    const bus = await h.bus();
    await h.ensureTopic(bus, topic);
    await h.consumeHere(bus, topic);
    const publisher = new SteadyPublisher(bus, topic, h.keys, h.tally);
    publisher.start();
    await h.until('events flowing before the crash', () => h.tally.received >= 500, 30_000);

    const faultAt = performance.now();
    await h.broker.kill();
    await sleep(DOWNTIME_MS);
    await h.broker.start();
    const restartedAt = performance.now();
    const faultSeconds = (restartedAt - faultAt) / 1000;
    const ackedAtRestart = h.tally.acked.size;
    const handledAtRestart = h.tally.received;
    const back = await h.until(
      'publishing and consuming to resume after the restart',
      () => h.tally.acked.size >= ackedAtRestart + 500 && h.tally.received >= handledAtRestart + 500,
      60_000,
    );
    if (back) h.notes.push(`flowing again ${seconds(performance.now() - restartedAt)} s after the restart`);
    await sleep(1_000);
    h.notes.push(`broker down ${seconds(restartedAt - faultAt)} s (kill, ${DOWNTIME_MS / 1000} s, start)`);
    return h.finish(topic, () => publisher.stop(60_000), {
      faultSeconds,
      orderPromised: h.capabilities.orderingScope !== 'none',
    });
  },
};
