import { connect } from '@nats-io/transport-node';
import { createEventBus } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { streamNameFor } from './names.ts';
import { nats } from './nats.ts';
import { NatsFixture, quiet, waitFor } from './test-support/fixture.ts';
import { TEST_SERVERS } from './test-support/servers.ts';

for (const server of TEST_SERVERS) {
  describe.skipIf(server.url === undefined)(`pull sizes on ${server.label}`, () => {
    const f = new NatsFixture(server.url ?? '');
    afterEach(() => f.cleanup());

    it('pulls a backlog in requests of at least half the prefetch, in key order, each event once', async () => {
      // Every pull is a nats.js fetch with its own subscription, timers and promises, which live
      // until it has delivered; pulling a quarter at a time made enough of them survive V8's
      // scavenges to double the consumer's young generation (bench/README.md, fifth pass).
      const orders = f.topic('orders');
      const payments = f.topic('payments');
      const bus = createEventBus({
        source: 'pull-size-test',
        transport: nats({ servers: server.url ?? '', logger: quiet }),
        onError: () => {},
      });
      const watcher = await connect({ servers: server.url ?? '' });
      const batches: number[] = [];
      const watch = watcher.subscribe(`$JS.API.CONSUMER.MSG.NEXT.${streamNameFor(orders)}.>`, {
        callback: (_error, msg) => {
          batches.push((msg.json() as { batch: number }).batch);
        },
      });
      try {
        await bus.ensureTopic({ name: orders });
        await bus.ensureTopic({ name: payments });
        const count = 3_000;
        for (let start = 0; start < count; start += 500)
          await Promise.all(
            Array.from({ length: 500 }, (_, i) =>
              bus.publish(orders, {
                type: 'order.placed',
                key: `k${(start + i) % 8}`,
                data: { n: start + i },
              }),
            ),
          );
        await bus.publish(payments, { type: 'payment.made', data: { n: 0 } });

        const seen = new Map<string, number[]>();
        let handled = 0;
        let payment = 0;
        await bus.subscribe(
          orders,
          async (event) => {
            const key = event.key ?? '';
            const list = seen.get(key) ?? [];
            list.push((event.data as { n: number }).n);
            seen.set(key, list);
            if (handled++ % 97 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
          },
          { group: 'billing', startFrom: 'earliest', concurrency: 16 },
        );
        await bus.subscribe(payments, () => void payment++, { group: 'billing', startFrom: 'earliest' });
        await waitFor('every order and the payment', () => handled >= count && payment === 1, 30_000);
        await bus.close();

        const all = [...seen.values()].flat().sort((a, b) => a - b);
        expect(all).toEqual(Array.from({ length: count }, (_, n) => n));
        for (const list of seen.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
        await watcher.flush();
        expect(batches.length).toBeGreaterThan(1);
        expect(Math.min(...batches)).toBeGreaterThanOrEqual(500);
      } finally {
        watch.unsubscribe();
        await watcher.close();
        await bus.close();
      }
    });
  });
}
