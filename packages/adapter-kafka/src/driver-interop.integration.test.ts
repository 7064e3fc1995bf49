import { afterEach, describe, expect, it } from 'vitest';
import type { KafkaCompression, KafkaDriverName } from './options/options.ts';
import { partitionForKey } from './producer/murmur2.ts';
import { requireBroker } from './test-support/brokers.ts';
import { event, KafkaFixture, waitFor } from './test-support/fixture.ts';

const KAFKA_BROKERS = requireBroker('KAFKA_BROKERS', 'kafka');

// The platformatic driver writes its own record batches and reads them with its own decoder:
// every codec is read back by the other driver, both ways.
const PAIRS: ReadonlyArray<readonly [KafkaDriverName, KafkaDriverName, KafkaCompression]> = [
  ['kafkajs', 'platformatic', 'lz4'],
  ['kafkajs', 'platformatic', 'gzip'],
  ['kafkajs', 'platformatic', 'snappy'],
  ['kafkajs', 'platformatic', 'zstd'],
  ['kafkajs', 'platformatic', 'none'],
  ['platformatic', 'kafkajs', 'lz4'],
  ['platformatic', 'kafkajs', 'gzip'],
  ['platformatic', 'kafkajs', 'snappy'],
  ['platformatic', 'kafkajs', 'zstd'],
  ['platformatic', 'kafkajs', 'none'],
];

/** A topic written through one driver is read the same through the other: same bytes, same partitions. */
describe.skipIf(KAFKA_BROKERS === undefined)('kafka drivers read each other’s topics', () => {
  const fixtures: KafkaFixture[] = [];
  afterEach(async () => {
    await Promise.all(fixtures.splice(0).map((f) => f.cleanup()));
  });

  for (const [writer, reader, compression] of PAIRS) {
    it(`${reader} reads what ${writer} wrote (${compression}): keys on Java's partitions, values and CloudEvents headers intact`, async () => {
      const out = new KafkaFixture(KAFKA_BROKERS ?? '', writer);
      const inp = new KafkaFixture(KAFKA_BROKERS ?? '', reader);
      fixtures.push(out, inp);
      const producer = await out.transport({ producer: { compression } });
      const topic = out.topic(`interop-${writer}-${compression}`);
      await producer.ensureTopic({ name: topic, partitions: 6, strategy: 'create-or-update' });
      const sent = Array.from({ length: 120 }, (_, n) => {
        const e = event(topic, n, `order-${n % 17}`);
        return { ...e, headers: { ...e.headers, 'x-note': `écrit par ${writer} ✓` } };
      });
      const outcomes = await producer.send(sent);
      for (const [i, o] of outcomes.entries()) {
        expect(o.ok).toBe(true);
        if (o.ok) expect(o.receipt.partition).toBe(partitionForKey(sent[i]!.key!, 6));
      }

      const consumer = await inp.transport();
      const { received } = await inp.collect(consumer, { topic, group: `interop-${reader}-${compression}` });
      await waitFor('every event', () => received.length >= sent.length, 30_000);
      expect(received).toHaveLength(sent.length);
      const byId = new Map(sent.map((s) => [s.id, s]));
      for (const m of received) {
        const original = byId.get(m.headers.ce_id!)!;
        expect(original).toBeDefined();
        expect(m.key).toBe(original.key);
        expect(Buffer.from(m.value)).toEqual(original.value);
        expect(m.partition).toBe(partitionForKey(original.key!, 6));
        for (const [name, value] of Object.entries(original.headers)) expect(m.headers[name]).toBe(value);
      }
    }, 90_000);
  }
});
