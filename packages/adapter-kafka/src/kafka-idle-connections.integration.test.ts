import { randomUUID } from 'node:crypto';
import { createEventBus, type EventBus } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { kafka } from './kafka.ts';
import { requireBroker } from './test-support/brokers.ts';
import { CountingProxy } from './test-support/counting-proxy.ts';
import { KAFKA_DRIVERS, sleep, waitFor } from './test-support/fixture.ts';

const KAFKA_BROKERS = requireBroker('KAFKA_BROKERS', 'kafka');

for (const driver of KAFKA_DRIVERS) {
  /**
   * A broker closes connections idle for `connections.max.idle.ms` (10 minutes by default). A
   * consume-only service whose admin and producer connections sit idle must stay healthy: the client
   * opens a new connection on the next request. The proxy plays the broker closing them.
   */
  describe.skipIf(KAFKA_BROKERS === undefined)(
    `kafka: idle connections closed by the broker (${driver})`,
    () => {
      const buses: EventBus[] = [];
      const proxies: CountingProxy[] = [];
      afterEach(async () => {
        await Promise.allSettled(buses.splice(0).map((bus) => bus.close({ drainTimeoutMs: 2_000 })));
        await Promise.allSettled(proxies.splice(0).map((proxy) => proxy.stop()));
      });

      function service(brokers: string[]): EventBus {
        const bus = createEventBus({
          source: `svc-${randomUUID().slice(0, 8)}`,
          transport: kafka({ driver, brokers }),
          onError: () => {},
        });
        buses.push(bus);
        return bus;
      }

      it('a consume-only service stays healthy and keeps handling events', async () => {
        const proxy = await CountingProxy.start((KAFKA_BROKERS ?? '').split(',')[0]!);
        proxies.push(proxy);
        const topic = `test.kafka.idle.${randomUUID().slice(0, 8)}`;
        const consumer = service([proxy.address]);
        const producer = service((KAFKA_BROKERS ?? '').split(','));
        const seen = new Set<number>();
        await consumer.subscribe(topic, (event) => {
          seen.add((event.data as { n: number }).n);
        });
        await producer.publish(topic, { type: 'item', data: { n: 1 }, key: 'k1' });
        await waitFor('the first event', () => seen.has(1), 30_000);
        expect((await consumer.health()).ok).toBe(true);

        proxy.dropConnections();
        await sleep(500);
        const health = await consumer.health();
        expect(health.transport.state).toBe('connected');
        expect(health.ok).toBe(true);

        await producer.publish(topic, { type: 'item', data: { n: 2 }, key: 'k2' });
        await waitFor('an event after the connections closed', () => seen.has(2), 30_000);
        expect((await consumer.health()).ok).toBe(true);
      });
    },
  );
}
