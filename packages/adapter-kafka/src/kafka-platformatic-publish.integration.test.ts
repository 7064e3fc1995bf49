import { randomUUID } from 'node:crypto';
import { createEventBus, type EventBus } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { kafka } from './kafka.ts';
import { requireBroker } from './test-support/brokers.ts';
import { waitFor } from './test-support/fixture.ts';

const KAFKA_BROKERS = requireBroker('KAFKA_BROKERS', 'kafka');

/**
 * The platformatic driver writes its own Produce requests (record batches, idempotent sequence
 * numbers): what a user does with the defaults (durable, idempotent, lz4) — one bus, several
 * topics, publish concurrently, close — must all be read back once, in key order.
 */
describe.skipIf(KAFKA_BROKERS === undefined)('kafka: publishing on the platformatic driver', () => {
  const buses: EventBus[] = [];
  afterEach(async () => {
    await Promise.allSettled(buses.splice(0).map((bus) => bus.close({ drainTimeoutMs: 2_000 })));
  });

  const service = (driver: 'platformatic' | 'kafkajs') => {
    const bus = createEventBus({
      source: `penc-${randomUUID().slice(0, 8)}`,
      transport: kafka({ driver, brokers: (KAFKA_BROKERS ?? '').split(',') }),
      onError: () => {},
    });
    buses.push(bus);
    return bus;
  };

  it('reads back every event published to several topics once, in key order, after the bus closed', async () => {
    const run = randomUUID().slice(0, 8);
    const topics = ['orders', 'payments', 'audit'].map((t) => `test.penc.${t}.${run}`);
    const received = new Map<string, Array<{ key: string; n: number }>>();
    const consumer = service('kafkajs');
    for (const topic of topics) {
      received.set(topic, []);
      await consumer.subscribe(topic, (event) => {
        const { n } = event.data as { n: number };
        received.get(topic)!.push({ key: event.key!, n });
      });
    }

    const producer = createEventBus({
      source: `penc-producer-${run}`,
      transport: kafka({ driver: 'platformatic', brokers: (KAFKA_BROKERS ?? '').split(',') }),
    });
    const perTopic = 700;
    const publishes: Array<Promise<unknown>> = [];
    for (let n = 0; n < perTopic; n++) {
      for (const topic of topics) {
        publishes.push(
          producer.publish(topic, {
            type: 'test.item',
            key: `k${n % 13}`,
            data: { n, note: 'é'.repeat(n % 50) },
            headers: { 'x-run': run },
          }),
        );
      }
    }
    await Promise.all(publishes);
    await producer.close();

    await waitFor(
      'every event on every topic',
      () => topics.every((t) => received.get(t)!.length >= perTopic),
      60_000,
    );
    for (const topic of topics) {
      const got = received.get(topic)!;
      expect(got).toHaveLength(perTopic);
      expect(new Set(got.map((e) => e.n)).size).toBe(perTopic);
      const byKey = new Map<string, number[]>();
      for (const { key, n } of got) byKey.set(key, [...(byKey.get(key) ?? []), n]);
      for (const ns of byKey.values()) expect(ns).toEqual([...ns].sort((a, b) => a - b));
    }
  }, 120_000);
});
