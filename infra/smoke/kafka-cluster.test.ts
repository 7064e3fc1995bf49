import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { requireBroker } from '../env.ts';
import { runInfra, uniqueName } from './helpers.ts';

const brokers = requireBroker('KAFKA_CLUSTER_BROKERS', 'kafka-cluster');

describe.skipIf(!brokers)('kafka-cluster (3 nodes, RF 3, min.insync.replicas 2)', () => {
  const kafka = new Kafka({
    clientId: 'infra-smoke-cluster',
    brokers: brokers?.split(',') ?? [],
    logLevel: logLevel.NOTHING,
    retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 5_000 },
  });
  const admin = kafka.admin();
  let killed = false;

  afterAll(async () => {
    await admin.disconnect();
    // Never leave the cluster degraded for the next test run, whatever happened above.
    if (killed) await runInfra('kafka-cluster', ['restart', '2']);
  }, 180_000);

  it('keeps accepting acks=all writes with one broker down, and the broker rejoins', async () => {
    await admin.connect();
    const topic = uniqueName('failover');
    // No replication factor given: the cluster's default (3) applies.
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    for (const p of meta.topics[0]!.partitions) expect(p.replicas).toHaveLength(3);

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const batch = (tag: string) =>
      Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `${tag}-${i}` }));
    await producer.send({ topic, acks: -1, messages: batch('before') });

    await runInfra('kafka-cluster', ['kill', '2']);
    killed = true;
    // Two in-sync replicas remain = min.insync.replicas: acks=all still succeeds (after leader
    // election for the partitions node 2 led, which kafkajs retries through).
    const receipts = await producer.send({ topic, acks: -1, messages: batch('during'), timeout: 30_000 });
    expect(receipts.every((r) => r.errorCode === 0)).toBe(true);
    await producer.disconnect();

    await runInfra('kafka-cluster', ['restart', '2']);
    killed = false;

    // Everything written before and during the outage is readable.
    const offsets = await admin.fetchTopicOffsets(topic);
    const total = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    expect(total).toBe(40);
    await admin.deleteTopics({ topics: [topic] });
  }, 180_000);
});
