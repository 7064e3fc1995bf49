import { readFileSync } from 'node:fs';
import { type Admin, Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { brokerEnv, requireBroker } from '../env.ts';
import { uniqueName } from './helpers.ts';

// kafkajs 2.2.4 against the Kafka 4.x broker infra/up runs: it negotiates per API the highest
// version both sides know, and every API it uses is still above Kafka 4's raised minimums.
async function produceAndConsume(kafka: Kafka, admin: Admin) {
  const topic = uniqueName('smoke');
  const groupId = uniqueName('smoke-group');
  expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true })).toBe(
    true,
  );

  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  expect(metadata.topics[0]?.partitions).toHaveLength(3);

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const sent = ['a', 'b', 'c', 'd'].map((k) => ({ key: k, value: `value-${k}` }));
  const receipts = await producer.send({ topic, acks: -1, messages: sent });
  expect(receipts.every((r) => r.errorCode === 0)).toBe(true);
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const received: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`consumed only ${received.length} of 4 messages`)),
      30_000,
    );
    consumer
      .run({
        eachMessage: async ({ message }) => {
          received.push(message.value?.toString() ?? '');
          if (received.length === sent.length) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect(); // commits the consumed offsets
  expect(received.sort()).toEqual(sent.map((m) => m.value).sort());

  const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
  const committed = offsets[0]!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  expect(committed).toBe(sent.length);
  const groups = await admin.describeGroups([groupId]);
  expect(groups.groups[0]?.state).toBe('Empty');

  await admin.deleteTopics({ topics: [topic] });
}

const brokers = requireBroker('KAFKA_BROKERS', 'kafka');
describe.skipIf(!brokers)('kafka (single node, PLAINTEXT)', () => {
  const kafka = new Kafka({
    clientId: 'infra-smoke',
    brokers: brokers?.split(',') ?? [],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  afterAll(() => admin.disconnect());

  it('creates a topic, produces with acks=all, consumes in a group and reports committed offsets', async () => {
    await admin.connect();
    await produceAndConsume(kafka, admin);
  });
});

const secureBrokers = requireBroker('KAFKA_SECURE_BROKERS', 'kafka-secure');
describe.skipIf(!secureBrokers)('kafka-secure (SASL_SSL)', () => {
  const ca = secureBrokers ? [readFileSync(brokerEnv('KAFKA_SECURE_CA_FILE')!)] : [];
  // A wrong password is not retried (fails fast); the good client keeps kafkajs' default retries,
  // which its idempotent producer requires.
  const client = (sasl: SASLOptions, failFast = true) =>
    new Kafka({
      clientId: 'infra-smoke-secure',
      brokers: secureBrokers?.split(',') ?? [],
      ssl: { ca },
      sasl,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 5_000,
      ...(failFast ? { retry: { retries: 0 } } : {}),
    });
  const user = brokerEnv('KAFKA_SECURE_USER') ?? '';
  const password = brokerEnv('KAFKA_SECURE_PASSWORD') ?? '';

  it('refuses a wrong SCRAM-SHA-512 password', async () => {
    const admin = client({
      mechanism: 'scram-sha-512',
      username: user,
      password: `${password}-wrong`,
    }).admin();
    await expect(admin.connect()).rejects.toThrow(/authentication failed/i);
    await admin.disconnect();
  });

  it('accepts the right SCRAM-SHA-512 password: produce, consume, offsets', async () => {
    const kafka = client({ mechanism: 'scram-sha-512', username: user, password }, false);
    const admin = kafka.admin();
    await admin.connect();
    try {
      await produceAndConsume(kafka, admin);
    } finally {
      await admin.disconnect();
    }
  });

  it('also serves SASL/PLAIN: refuses a wrong password, accepts the right one', async () => {
    const username = brokerEnv('KAFKA_SECURE_PLAIN_USER') ?? '';
    const plainPassword = brokerEnv('KAFKA_SECURE_PLAIN_PASSWORD') ?? '';
    const bad = client({ mechanism: 'plain', username, password: `${plainPassword}-wrong` }).admin();
    await expect(bad.connect()).rejects.toThrow(/authentication failed/i);
    await bad.disconnect();
    const good = client({ mechanism: 'plain', username, password: plainPassword }).admin();
    await good.connect();
    expect(Array.isArray(await good.listTopics())).toBe(true);
    await good.disconnect();
  });
});
