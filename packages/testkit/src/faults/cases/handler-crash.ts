import type { FaultCase } from '../fault-case.ts';
import { peakOf, seconds, sleep } from '../fault-harness.ts';
import { SteadyPublisher } from '../publishers.ts';

/**
 * A handler ends its own process (`process.exit`) on one event, before the event is acknowledged;
 * the next process of the group must get that event again, and every other acknowledged one.
 */
export const handlerCrash: FaultCase = {
  scenario: 'handler-crash',
  title: 'redelivers the event whose handler exited its process to the next instance',
  needs: { persistent: true, consumerGroups: true },
  async run(h) {
    const topic = h.topic();
    const bus = await h.bus();
    await h.ensureTopic(bus, topic);
    const first = await h.worker('consumer A', {
      role: 'consume',
      topic,
      handlerDelayMs: 2,
      crashOnMarker: true,
    });
    const publisher = new SteadyPublisher(bus, topic, h.keys, h.tally);
    publisher.start();
    await h.until('consumer A to handle events', () => h.tally.received >= 200, 30_000);

    const crashedAt = performance.now();
    const crashEvent = await publisher.publishCrash();
    if (!h.tally.acked.has(crashEvent)) h.problem(`the crash event #${crashEvent} was not acknowledged`);
    const exit = await Promise.race([first.exited, sleep(30_000).then(() => 'still running after 30 s')]);
    h.notes.push(`event #${crashEvent} made A's handler exit the process (${exit})`);
    if (exit !== 'exit code 3')
      h.problem(`A should have exited with code 3 (its handler's process.exit), not ${exit}`);
    const second = await h.worker('consumer B', { role: 'consume', topic, handlerDelayMs: 2 });
    const faultSeconds = (performance.now() - crashedAt) / 1000;
    const redelivered = await h.until(
      `event #${crashEvent} to reach consumer B`,
      () => h.tally.handled.has(crashEvent),
      90_000,
    );
    if (redelivered)
      h.notes.push(
        `B handled event #${crashEvent} ${seconds(performance.now() - crashedAt)} s after the crash`,
      );
    else h.problem(`event #${crashEvent} never reached consumer B`);
    await sleep(1_000);
    return h.finish(topic, () => publisher.stop(60_000), {
      faultSeconds,
      orderPromised: h.capabilities.orderingScope === 'group',
      rss: peakOf('consumers A and B', first, second),
    });
  },
};
