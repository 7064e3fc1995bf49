import { Admin } from '@platformatic/kafka';
import { afterEach, describe, expect, it } from 'vitest';
import { requireBroker } from './test-support/brokers.ts';
import { event, KafkaFixture, payloadOf, waitFor } from './test-support/fixture.ts';

const KAFKA_BROKERS = requireBroker('KAFKA_BROKERS', 'kafka');

/**
 * KIP-848, the consumer group protocol of Kafka 4 (`group.protocol=consumer`): the broker assigns
 * partitions and rebalances incrementally. Our broker (KRaft 4.3) runs the new group coordinator
 * (`group.version=1`); only the platformatic driver speaks the protocol.
 */
describe.skipIf(KAFKA_BROKERS === undefined)('kafka: KIP-848 consumer group protocol (platformatic)', () => {
  const fx = new KafkaFixture(KAFKA_BROKERS ?? '', 'platformatic');
  afterEach(() => fx.cleanup());

  it('shares a topic between two members of a consumer-protocol group and loses nothing when one leaves', async () => {
    // Without retry topics the group reads one topic, so the broker's uniform assignor (which
    // balances the count of partitions over all the group's topics) gives each member two.
    const a = await fx.transport({ groupProtocol: 'consumer', retryTopics: { enabled: false } });
    const b = await fx.transport({ groupProtocol: 'consumer', retryTopics: { enabled: false } });
    const topic = fx.topic('kip848');
    const group = `kip848-${topic.slice(-8)}`;
    await a.ensureTopic({ name: topic, partitions: 4, strategy: 'create-or-update' });
    const seenA = new Set<number>();
    const seenB = new Set<number>();
    const first = await fx.collect(a, { topic, group }, (m) => {
      seenA.add(payloadOf(m).n);
      m.ack();
    });
    await fx.collect(b, { topic, group }, (m) => {
      seenB.add(payloadOf(m).n);
      m.ack();
    });
    // The broker moves partitions to the second member with its next heartbeats (incremental: the
    // first keeps reading the partitions it keeps).
    const assigned = (t: typeof a): number => {
      const consumers = (t.health().details?.consumers ?? []) as Array<{
        topics: Array<{ topic: string; assignedPartitions: number }>;
      }>;
      return (consumers[0]?.topics ?? [])
        .filter((x) => x.topic === topic)
        .reduce((sum, x) => sum + x.assignedPartitions, 0);
    };
    await waitFor('both members to hold partitions', () => assigned(a) > 0 && assigned(b) > 0, 60_000);
    await a.send(Array.from({ length: 100 }, (_, n) => event(topic, n, `k${n}`)));
    await waitFor('100 events across both', () => new Set([...seenA, ...seenB]).size === 100, 30_000);

    // The broker knows the group as a consumer-protocol group, not a classic one.
    const admin = new Admin({ clientId: 'kip848-test', bootstrapBrokers: fx.brokers as string[] });
    try {
      const groups = await admin.listGroups({ types: ['consumer'] });
      expect(groups.get(group)?.groupType).toBe('consumer');
    } finally {
      await admin.close();
    }

    expect(seenA.size).toBeGreaterThan(0);
    expect(seenB.size).toBeGreaterThan(0);
    await first.stop();
    await a.send(Array.from({ length: 100 }, (_, n) => event(topic, 100 + n, `k${n}`)));
    await waitFor(
      'the second 100 at the remaining member',
      () => [...Array(100).keys()].every((n) => seenB.has(100 + n)),
      60_000,
    );
  }, 150_000);
});
