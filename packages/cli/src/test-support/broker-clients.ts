import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { transportFromEnv as kafkaFromEnv } from '@switchyard/adapter-kafka';
import { transportFromEnv as natsFromEnv } from '@switchyard/adapter-nats';
import { createEventBus, type EventBus } from '@switchyard/core';
import kafkajs from 'kafkajs';
import type { TestBroker } from './run-cli.ts';

/** A Switchyard bus in the test process, as an application would make it from the same environment. */
export function applicationBus(broker: TestBroker, source = 'cli-test-app'): EventBus {
  const transport = broker.name === 'kafka' ? kafkaFromEnv(broker.env) : natsFromEnv(broker.env);
  return createEventBus({ source, transport, onError: () => undefined });
}

/** Writes a message that is not a Switchyard CloudEvent, with the broker's own client. */
export async function publishRaw(
  broker: TestBroker,
  topic: string,
  value: string,
  headers: Record<string, string>,
): Promise<void> {
  if (broker.name === 'kafka') {
    const producer = new kafkajs.Kafka({
      brokers: broker.env.KAFKA_BROKERS!.split(','),
      logLevel: 0,
    }).producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value, headers }] });
    await producer.disconnect();
    return;
  }
  const nc = await connect({ servers: broker.env.NATS_URL! });
  const h = natsHeaders();
  for (const [name, v] of Object.entries(headers)) h.set(name, v);
  await jetstream(nc).publish(topic, value, { headers: h });
  await nc.close();
}

/** Kafka consumer groups whose id starts with `prefix`. */
export async function kafkaGroups(broker: TestBroker, prefix: string): Promise<string[]> {
  const admin = new kafkajs.Kafka({ brokers: broker.env.KAFKA_BROKERS!.split(','), logLevel: 0 }).admin();
  await admin.connect();
  try {
    return (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.startsWith(prefix));
  } finally {
    await admin.disconnect();
  }
}

/** Names of the consumers on the stream that holds `topic` (NATS). */
export async function natsConsumers(broker: TestBroker, topic: string): Promise<string[]> {
  const nc = await connect({ servers: broker.env.NATS_URL! });
  try {
    const jsm = await jetstreamManager(nc);
    const stream = await jsm.streams.find(topic);
    const names: string[] = [];
    for await (const consumer of jsm.consumers.list(stream)) names.push(consumer.name);
    return names.sort();
  } finally {
    await nc.close();
  }
}

/** Resolves when `check` is true, polling; fails after `timeoutMs`. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
