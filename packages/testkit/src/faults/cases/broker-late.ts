import { isEventBusError } from '@switchyard/core';
import type { FaultCase } from '../fault-case.ts';
import type { FaultHarness } from '../fault-harness.ts';
import { seconds, sleep } from '../fault-harness.ts';
import { FAULT_EVENT_TYPE, SteadyPublisher } from '../publishers.ts';

/** How long the broker stays down after the service's first, refused, publish. */
const DOWNTIME_MS = 2_000;

/**
 * A service starts while its broker is down (a deploy that beats the broker, a host rebooting both):
 * its first publish fails with a retriable error. Once the broker is up, the same bus must reach it
 * by itself — a failed first connect is not the last (the Redis transport never connected again) —
 * and then publish and consume as if it had started later.
 */
export const brokerLate: FaultCase = {
  scenario: 'broker-late',
  title: 'reaches its broker by itself when the service started before the broker',
  needs: { broker: true },
  async run(h) {
    const topic = h.topic();
    await h.broker.kill();
    const bus = await h.bus();
    const refused = await bus.publish(topic, { type: FAULT_EVENT_TYPE, data: { n: -1 }, key: 'early' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    if (refused === undefined) h.problem('a publish with the broker down was acknowledged');
    else h.tally.fail(-1, refused);
    await sleep(DOWNTIME_MS);
    await h.broker.start();
    const upAt = performance.now();
    // What a service does at startup, retried while the bus backs off: its topic, its subscription.
    const ready = await retried(h, 'the topic and the subscription once the broker is up', async () => {
      await h.ensureTopic(bus, topic);
      await h.consumeHere(bus, topic);
    });
    if (ready) h.notes.push(`subscribed ${seconds(performance.now() - upAt)} s after the broker came up`);
    const publisher = new SteadyPublisher(bus, topic, h.keys, h.tally);
    publisher.start();
    await h.until('events flowing on the bus that started first', () => h.tally.received >= 500, 60_000);
    return h.finish(topic, () => publisher.stop(60_000), {
      faultSeconds: (performance.now() - upAt) / 1000,
      orderPromised: h.capabilities.orderingScope !== 'none',
    });
  },
};

/**
 * Runs `op` until it resolves, within 60 s: each failure must be a retriable EventBusError (a
 * broker coming up, a bus backing off); anything else is a problem of the case.
 */
async function retried(h: FaultHarness, what: string, op: () => Promise<void>): Promise<boolean> {
  const deadline = performance.now() + 60_000;
  for (let attempt = 1; ; attempt++) {
    try {
      await op();
      if (attempt > 1) h.notes.push(`${what}: ${attempt} attempts`);
      return true;
    } catch (error) {
      if (!(isEventBusError(error) && error.retriable)) {
        h.problem(`${what}: not a retriable EventBusError: ${String(error)}`);
        return false;
      }
      if (performance.now() > deadline) {
        h.problem(`${what}: still failing after 60 s: ${String(error)}`);
        return false;
      }
      await sleep(250);
    }
  }
}
