import { isEventBusError } from '@switchyard/core';
import { errorOf } from '@switchyard/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { partitionForKey } from '../producer/murmur2.ts';
import { requireBroker } from '../test-support/brokers.ts';
import { KAFKA_DRIVERS, KafkaFixture } from '../test-support/fixture.ts';

const KAFKA_BROKERS = requireBroker('KAFKA_BROKERS', 'kafka');

for (const driver of KAFKA_DRIVERS) {
  describe.skipIf(KAFKA_BROKERS === undefined)(`ensureTopic against a real broker (${driver} driver)`, () => {
    const fx = new KafkaFixture(KAFKA_BROKERS ?? '', driver);
    afterEach(() => fx.cleanup());

    it('create-only creates a missing topic with its configs and then leaves it alone', async () => {
      const t = await fx.transport();
      const name = fx.topic('create-only');
      await t.ensureTopic({
        name,
        partitions: 2,
        retentionMs: 3_600_000,
        cleanupPolicy: 'delete',
        compression: 'zstd',
        strategy: 'create-only',
      });
      await t.ensureTopic({ name, partitions: 5, retentionMs: 60_000, strategy: 'create-only' });
      await t.ensureTopic({
        name,
        partitions: 2,
        retentionMs: 3_600_000,
        compression: 'zstd',
        strategy: 'validate-only',
      });
    });

    it('create-or-update adds partitions and changes configs, keeping the ones it was not asked about', async () => {
      const t = await fx.transport();
      const name = fx.topic('update');
      await t.ensureTopic({
        name,
        partitions: 2,
        retentionMs: 3_600_000,
        cleanupPolicy: 'delete',
        strategy: 'create-or-update',
      });
      const before = await t.send([
        { topic: name, key: 'key-7', value: Buffer.from('x'), headers: {}, id: '1' },
      ]);
      await t.ensureTopic({ name, partitions: 4, retentionBytes: 1_000_000, strategy: 'create-or-update' });
      await t.ensureTopic({
        name,
        partitions: 4,
        retentionMs: 3_600_000,
        retentionBytes: 1_000_000,
        strategy: 'validate-only',
      });
      // Keys map over the new partition count straight away.
      const after = await t.send([
        { topic: name, key: 'key-7', value: Buffer.from('x'), headers: {}, id: '2' },
      ]);
      const partitionOf = (o: (typeof after)[number] | undefined) =>
        o?.ok ? o.receipt.partition : undefined;
      expect(partitionOf(before[0])).toBe(partitionForKey('key-7', 2));
      expect(partitionOf(after[0])).toBe(partitionForKey('key-7', 4));
    });

    it('validate-only lists every difference, and a missing topic is TOPIC_NOT_FOUND', async () => {
      const t = await fx.transport();
      const name = fx.topic('validate');
      expect(
        isEventBusError(await errorOf(t.ensureTopic({ name, strategy: 'validate-only' })), 'TOPIC_NOT_FOUND'),
      ).toBe(true);
      await t.ensureTopic({ name, partitions: 2, strategy: 'create-only' });
      const error = await errorOf(
        t.ensureTopic({ name, partitions: 3, retentionMs: 1000, strategy: 'validate-only' }),
      );
      expect(isEventBusError(error, 'TOPIC_MISMATCH')).toBe(true);
      expect((error as Error).message).toMatch(/partitions 2 ≠ 3/);
      expect((error as Error).message).toMatch(/retention\.ms/);
    });

    it('refuses to shrink partitions or change the replication factor', async () => {
      const t = await fx.transport();
      const name = fx.topic('shrink');
      await t.ensureTopic({ name, partitions: 3, strategy: 'create-only' });
      expect(
        isEventBusError(
          await errorOf(t.ensureTopic({ name, partitions: 1, strategy: 'create-or-update' })),
          'TOPIC_MISMATCH',
        ),
      ).toBe(true);
      expect(
        isEventBusError(
          await errorOf(t.ensureTopic({ name, replicationFactor: 3, strategy: 'create-or-update' })),
          'TOPIC_MISMATCH',
        ),
      ).toBe(true);
    });

    it('skip does nothing, not even look', async () => {
      const t = await fx.transport();
      await t.ensureTopic({ name: fx.topic('skip'), partitions: 1, strategy: 'skip' });
    });

    it('maps a broker refusal (replication factor above the broker count) to INVALID_CONFIG', async () => {
      const t = await fx.transport();
      const error = await errorOf(
        t.ensureTopic({
          name: fx.topic('too-many-replicas'),
          partitions: 1,
          replicationFactor: 5,
          strategy: 'create-only',
        }),
      );
      expect(isEventBusError(error, 'INVALID_CONFIG')).toBe(true);
    });
  });
}
