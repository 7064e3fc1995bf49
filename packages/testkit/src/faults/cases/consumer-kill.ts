import type { FaultCase } from '../fault-case.ts';
import { peakOf, sleep } from '../fault-harness.ts';
import { SteadyPublisher } from '../publishers.ts';

/**
 * A consumer service process is killed with SIGKILL while it works through a keyed stream (its
 * handler takes 2 ms an event); another process of the same group takes over. Every acknowledged
 * event must be handled at least once; what the dead one held comes back as redeliveries.
 */
export const consumerKill: FaultCase = {
  scenario: 'consumer-kill',
  title:
    'handles every acknowledged event when a consumer process is killed (SIGKILL) mid-stream and another takes over',
  needs: { persistent: true, consumerGroups: true },
  async run(h) {
    const topic = h.topic();
    const bus = await h.bus();
    await h.ensureTopic(bus, topic);
    const first = await h.worker('consumer A', { role: 'consume', topic, handlerDelayMs: 2 });
    const publisher = new SteadyPublisher(bus, topic, h.keys, h.tally);
    publisher.start();
    await h.until('consumer A to handle events', () => h.tally.received >= 300, 30_000);

    const killedAt = performance.now();
    await first.kill('SIGKILL');
    const handledByFirst = h.tally.received;
    const second = await h.worker('consumer B', { role: 'consume', topic, handlerDelayMs: 2 });
    const faultSeconds = (performance.now() - killedAt) / 1000;
    await h.until('consumer B to take over', () => h.tally.received >= handledByFirst + 300, 90_000);
    await sleep(1_000);
    h.notes.push(`A handled ${handledByFirst} before SIGKILL; A exited: ${await first.exited}`);
    return h.finish(topic, () => publisher.stop(60_000), {
      faultSeconds,
      // Across two instances the order per key holds only where the broker keeps it for the group.
      orderPromised: h.capabilities.orderingScope === 'group',
      rss: peakOf('consumers A and B', first, second),
    });
  },
};
