import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { requireBroker } from './test-support/brokers.ts';
import { allThreeUp } from './test-support/cluster.ts';
import { event, KAFKA_DRIVERS, KafkaFixture, sleep, waitFor } from './test-support/fixture.ts';
import kafkajs from './test-support/plain-kafkajs.ts';

const run = promisify(execFile);
const BROKERS = requireBroker('KAFKA_CLUSTER_BROKERS', 'kafka-cluster');
const CLUSTER_SCRIPT = join(import.meta.dirname, '../../../infra/kafka-cluster');

/**
 * Which node leads partition 0, asked with a plain kafkajs admin so the test does not trust the code
 * under test. A broker that has not caught up with the new topic's metadata yet answers "does not
 * host this topic-partition" (CI once failed on that): ask again until one names a leader.
 */
async function leaderOfPartition0(brokers: string[], topic: string): Promise<number> {
  const admin = new kafkajs.Kafka({ brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const started = Date.now();
    for (;;) {
      const leader = await admin
        .fetchTopicMetadata({ topics: [topic] })
        .then(({ topics }) => topics[0]?.partitions.find((p) => p.partitionId === 0)?.leader)
        .catch((error: unknown) => {
          if ((error as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION') return undefined;
          throw error;
        });
      if (leader !== undefined && leader >= 0) return leader;
      if (Date.now() - started > 30_000) throw new Error(`no leader for ${topic}/0 within 30 s`);
      await sleep(200);
    }
  } finally {
    await admin.disconnect();
  }
}

for (const driver of KAFKA_DRIVERS) {
  describe.skipIf(BROKERS === undefined)(`failover on the three-node cluster (${driver})`, () => {
    const fx = new KafkaFixture(BROKERS ?? '', driver);
    afterEach(() => fx.cleanup());

    it('loses no acknowledged event and writes no duplicate when a leader is killed mid-stream (acks all)', async () => {
      await allThreeUp(fx.brokers as string[]);
      const producer = await fx.transport({
        preset: 'durable',
        retry: { retries: 10, maxRetryTimeMs: 3000 },
      });
      const topic = fx.topic('failover');
      await producer.ensureTopic({
        name: topic,
        partitions: 3,
        replicationFactor: 3,
        strategy: 'create-or-update',
      });
      const victim = await leaderOfPartition0(fx.brokers as string[], topic);
      const acked = new Set<string>();
      const failed: string[] = [];
      let killedAt = -1;
      try {
        for (let round = 0; round < 40; round++) {
          const batch = Array.from({ length: 100 }, (_, i) => event(topic, round * 100 + i, `key-${i % 37}`));
          const sending = producer.send(batch);
          // Kill the leader while this round's requests are on the wire.
          if (round === 10) {
            await run(CLUSTER_SCRIPT, ['kill', String(victim)]);
            killedAt = round;
          }
          const outcomes = await sending;
          outcomes.forEach((o, i) => {
            if (o.ok) acked.add(batch[i]!.id);
            else failed.push(`${batch[i]!.id}: ${o.error.code}`);
          });
          await sleep(50);
        }
      } finally {
        await run(CLUSTER_SCRIPT, ['restart', String(victim)], { timeout: 180_000 });
      }
      expect(killedAt).toBe(10);
      expect(acked.size).toBeGreaterThan(3000);

      const consumer = await fx.transport();
      const seen = new Map<string, number>();
      await fx.collect(consumer, { topic, group: `verify-${Date.now()}` }, (m) => {
        const id = m.headers.ce_id!;
        seen.set(id, (seen.get(id) ?? 0) + 1);
        m.ack();
      });
      await waitFor('every acknowledged event', () => [...acked].every((id) => seen.has(id)), 60_000);
      await sleep(1000); // anything else still in the log arrives too
      const duplicates = [...seen].filter(([, count]) => count > 1);
      expect(duplicates).toEqual([]);
      console.info(
        `[failover] acked ${acked.size}, failed ${failed.length}, stored ${seen.size}; killed node ${victim} at round ${killedAt}`,
      );
    }, 300_000);
  });
}
