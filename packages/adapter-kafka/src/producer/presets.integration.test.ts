import { randomUUID } from 'node:crypto';
import { createEventBus, type EventBus } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { kafka } from '../kafka.ts';
import type { KafkaPreset } from '../options/options.ts';
import { requireBroker } from '../test-support/brokers.ts';
import { waitFor } from '../test-support/fixture.ts';

const KAFKA_BROKERS = requireBroker('KAFKA_BROKERS', 'kafka');

/**
 * Each preset as a user runs it: one bus publishing from several awaiting loops (so several
 * requests are in flight with `throughput`), another service handling the topic, then close.
 */
describe.skipIf(KAFKA_BROKERS === undefined)('kafka presets, publish then handle', () => {
  const buses: EventBus[] = [];
  afterEach(async () => {
    await Promise.allSettled(buses.splice(0).map((bus) => bus.close({ drainTimeoutMs: 5_000 })));
  });

  const service = (preset: KafkaPreset) => {
    const bus = createEventBus({
      source: `svc-${randomUUID().slice(0, 8)}`,
      transport: kafka({ brokers: (KAFKA_BROKERS ?? '').split(','), preset }),
      onError: () => {},
    });
    buses.push(bus);
    return bus;
  };

  for (const preset of ['throughput', 'durable', 'latency'] as const) {
    it(`${preset}: every event arrives, each key in publish order, from 8 concurrent publish loops`, async () => {
      const topic = `test.kafka.presets.${preset}.${randomUUID().slice(0, 8)}`;
      const seen = new Map<string, number[]>();
      const consumer = service(preset);
      await consumer.subscribe(topic, (event) => {
        const { key, seq } = event.data as { key: string; seq: number };
        const list = seen.get(key) ?? [];
        list.push(seq);
        seen.set(key, list);
      });
      const producer = service(preset);
      const keys = 30;
      const total = 3_000;
      const next = new Array<number>(keys).fill(0);
      let issued = 0;
      // Each loop awaits its publish before the next: a closed loop, as services publish.
      const loop = async () => {
        while (issued < total) {
          const k = issued++ % keys;
          const seq = next[k]!++;
          await producer.publish(topic, { type: 'item', key: `k${k}`, data: { key: `k${k}`, seq } });
        }
      };
      await Promise.all(Array.from({ length: 8 }, loop));
      await producer.close();
      let handled = 0;
      await waitFor(
        `all ${total} events`,
        () => {
          handled = [...seen.values()].reduce((n, list) => n + list.length, 0);
          return handled >= total;
        },
        60_000,
      );
      expect(handled).toBe(total);
      for (const [key, list] of seen) expect(list, key).toEqual(list.map((_, i) => i));
    }, 90_000);
  }
});
