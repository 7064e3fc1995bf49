import { randomUUID } from 'node:crypto';
import { createEventBus, type EventBus } from '@switchyard/core';
import { sleep } from '@switchyard/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { kafkajsPatched } from './driver/kafkajs/kafkajs-patches.ts';
import { kafka } from './kafka.ts';
import { requireBroker } from './test-support/brokers.ts';
import { waitFor } from './test-support/fixture.ts';

const KAFKA_BROKERS = requireBroker('KAFKA_BROKERS', 'kafka');

/**
 * The kafkajs driver drops the empty partitions of a fetch before kafkajs' runner sees them
 * (kafkajs-empty-batches.ts). With the `latency` preset (fetches answered at 1 byte) and events
 * trickling in, nearly every fetch has empty partitions: the retry topics' and the quiet ones'.
 * As a user runs it: one bus, several topics, publish at a trickle, handle, close; a restart of
 * the same group then gets nothing again (the commits covered every handled event).
 */
describe.skipIf(KAFKA_BROKERS === undefined)('kafkajs driver, fetches with empty partitions', () => {
  const buses: EventBus[] = [];
  afterEach(async () => {
    await Promise.allSettled(buses.splice(0).map((bus) => bus.close({ drainTimeoutMs: 5_000 })));
  });
  const open = () => {
    const bus = createEventBus({
      source: `svc-${randomUUID().slice(0, 8)}`,
      transport: kafka({ brokers: (KAFKA_BROKERS ?? '').split(','), preset: 'latency' }),
      onError: () => {},
    });
    buses.push(bus);
    return bus;
  };

  it('delivers every event of three topics once, each key in order, and commits them all', async () => {
    const topics = ['a', 'b', 'c'].map((t) => `test.kafka.empty-batches.${t}.${randomUUID().slice(0, 8)}`);
    const group = `g-${randomUUID().slice(0, 8)}`;
    const seen = new Map<string, number[]>();
    const bus = open();
    for (const topic of topics) {
      await bus.subscribe(
        topic,
        (event) => {
          const { key, seq } = event.data as { key: string; seq: number };
          const list = seen.get(key) ?? [];
          list.push(seq);
          seen.set(key, list);
        },
        { group },
      );
    }
    const perTopic = 150;
    for (let i = 0; i < perTopic; i++) {
      // A trickle: one event at a time, to one topic, so most partitions of each fetch are empty.
      for (const [t, topic] of topics.entries()) {
        const key = `${t}-k${i % 5}`;
        void bus.publish(topic, { type: 'item', key, data: { key, seq: Math.floor(i / 5) } });
        await sleep(1);
      }
    }
    const total = perTopic * topics.length;
    const handled = () => [...seen.values()].reduce((n, list) => n + list.length, 0);
    await waitFor(`all ${total} events`, () => handled() >= total, 60_000);
    expect(kafkajsPatched()).toBe(true); // which includes dropping empty fetch batches
    expect(handled()).toBe(total);
    for (const [key, list] of seen) expect(list, key).toEqual(list.map((_, i) => i));
    await bus.close({ drainTimeoutMs: 5_000 });

    const again = open();
    let redelivered = 0;
    for (const topic of topics) await again.subscribe(topic, () => void redelivered++, { group });
    await sleep(3_000);
    expect(redelivered).toBe(0);
  }, 90_000);
});
