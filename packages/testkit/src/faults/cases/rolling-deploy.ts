import type { FaultCase } from '../fault-case.ts';
import { peakOf, sleep } from '../fault-harness.ts';
import { SteadyPublisher } from '../publishers.ts';

/**
 * A rolling deploy of a consumer service: two instances of one group work through a keyed stream
 * (their handler takes 2 ms an event); each is replaced in turn, as an orchestrator does it — the
 * old one gets SIGTERM and closes its bus (`process.on('SIGTERM', () => bus.close())`), then its
 * successor starts. A graceful handover must lose nothing and hand nothing already handled to the
 * next owner: every event is handled once, including those whose handlers were running when a
 * rebalance (four here: each leave and each join) moved their partition.
 */
export const rollingDeploy: FaultCase = {
  scenario: 'rolling-deploy',
  title:
    'a rolling deploy (each instance closed with SIGTERM, its successor started) loses nothing and hands nothing handled to the next owner',
  needs: { persistent: true, consumerGroups: true },
  async run(h) {
    const topic = h.topic();
    const bus = await h.bus();
    await h.ensureTopic(bus, topic);
    const config = { role: 'consume', topic, handlerDelayMs: 2 } as const;
    const instances = [await h.worker('instance A', config), await h.worker('instance B', config)];
    const publisher = new SteadyPublisher(bus, topic, h.keys, h.tally);
    publisher.start();
    await h.until('A and B to handle events', () => h.tally.received >= 300, 30_000);

    const started = performance.now();
    for (const [old, next] of [
      [0, 'instance C'],
      [1, 'instance D'],
    ] as const) {
      const leaving = instances[old]!;
      await leaving.kill('SIGTERM');
      h.notes.push(
        `${leaving.label} handled up to ${h.tally.received} events in all, then exited: ${await leaving.exited}`,
      );
      const before = h.tally.received;
      instances.push(await h.worker(next, config));
      await h.until(`${next} to take over`, () => h.tally.received >= before + 300, 90_000);
    }
    const faultSeconds = (performance.now() - started) / 1000;
    await sleep(1_000);
    const duplicated = h.tally.duplicated;
    if (duplicated > 0) h.problem(`${duplicated} events handled twice across graceful handovers`);
    return h.finish(topic, () => publisher.stop(60_000), {
      faultSeconds,
      orderPromised: h.capabilities.orderingScope === 'group',
      rss: peakOf('instances A–D', ...instances),
    });
  },
};
