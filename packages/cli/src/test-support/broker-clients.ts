import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { transportFromEnv as kafkaFromEnv } from '@switchyard/adapter-kafka';
import { transportFromEnv as natsFromEnv } from '@switchyard/adapter-nats';
import { transportFromEnv as redisFromEnv } from '@switchyard/adapter-redis';
import { createEventBus, type EventBus, type PublishMiddleware } from '@switchyard/core';
import { Redis } from 'ioredis';
import kafkajs from './kafkajs.ts';
import type { TestBroker } from './run-cli.ts';

/** A Switchyard bus in the test process, as an application would make it from the same environment. */
export function applicationBus(
  broker: TestBroker,
  source = 'cli-test-app',
  /** Every event's `time` as stored, past the bus's check: what an older version or another producer wrote. */
  storedTime?: string,
): EventBus {
  const fromEnv = { kafka: kafkaFromEnv, nats: natsFromEnv, redis: redisFromEnv }[broker.name];
  const transport = fromEnv(broker.env);
  const publishMiddleware =
    storedTime === undefined
      ? []
      : [
          (next: Parameters<PublishMiddleware>[0]): ReturnType<PublishMiddleware> =>
            (topic, envelope) =>
              next(topic, { ...envelope, time: storedTime }),
        ];
  return createEventBus({ source, transport, onError: () => undefined, publishMiddleware });
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
  if (broker.name === 'redis') {
    const redis = new Redis(broker.env.REDIS_URL!);
    await redis.xadd(topic, '*', ...Object.entries(headers).flat(), 'data', value);
    redis.disconnect();
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

/** The consumer groups reading `topic`: NATS durable consumers on its stream, Redis consumer groups. */
export async function streamGroups(broker: TestBroker, topic: string): Promise<string[]> {
  if (broker.name === 'redis') {
    const redis = new Redis(broker.env.REDIS_URL!);
    try {
      const groups = (await redis.xinfo('GROUPS', topic)) as unknown[][];
      return groups.map((g) => String(g[g.indexOf('name') + 1])).sort();
    } finally {
      redis.disconnect();
    }
  }
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

/**
 * `count` events on `topic`, every one dead-lettered by a `billing` handler that throws (the way a
 * real service fills `<topic>.dlq`). Resolves once `<topic>.dlq` holds them all; returns their ids.
 */
export async function fillDeadLetters(
  broker: TestBroker,
  topic: string,
  count: number,
  options: { type?: string; error?: (n: number) => Error; partitions?: number; storedTime?: string } = {},
): Promise<string[]> {
  const bus = applicationBus(broker, 'orders-svc', options.storedTime);
  const dlq = `${topic}.dlq`;
  // NATS drops a republish of an id it stored within the stream's duplicate window (2 min by
  // default): a short window lets the tests redrive at once, as an operator would after minutes.
  const extra = broker.name === 'nats' ? { extra: { duplicateWindowMs: 500 } } : {};
  await bus.ensureTopic({ name: topic, partitions: options.partitions ?? 2, ...extra });
  await bus.ensureTopic({ name: dlq, partitions: options.partitions ?? 2, ...extra });
  const dead = new Set<string>();
  await bus.subscribe(dlq, (event) => void dead.add(event.id), { group: 'dlq-watch', deadLetter: false });
  await bus.subscribe(
    topic,
    (event) => {
      const n = (event.data as { n: number }).n;
      throw options.error?.(n) ?? new Error(`card declined for order ${n}`);
    },
    { group: 'billing', retry: false },
  );
  const receipts = await Promise.all(
    Array.from({ length: count }, (_, n) =>
      bus.publish(topic, {
        type: options.type ?? 'order.placed',
        key: `o-${n % 7}`,
        data: { n, orderId: `o-${n}` },
      }),
    ),
  );
  await eventually(() => dead.size >= count, 120_000, `${count} dead letters in ${dlq}`);
  await bus.close();
  if (broker.name === 'nats') await new Promise((resolve) => setTimeout(resolve, 600)); // past the duplicate window
  return receipts.map((r) => r.id);
}

/** The redriven copies in `topic` (events carrying `switchyard-redrive-count`), counted by `<id> <count>`. */
export async function redrivenCopies(
  env: Readonly<Record<string, string>>,
  topic: string,
): Promise<Map<string, number>> {
  const { runCli, jsonLines } = await import('./run-cli.ts');
  const result = await runCli(['tail', topic, '--from', 'earliest', '--no-follow', '--json'], {
    env,
    timeoutMs: 120_000,
  });
  if (result.code !== 0) throw new Error(`tail ${topic} failed: ${result.stderr}`);
  const copies = new Map<string, number>();
  for (const view of jsonLines<{ event?: { id: string }; headers: Record<string, string> }>(result.stdout)) {
    const count = view.headers['switchyard-redrive-count'];
    if (count === undefined || view.event === undefined) continue;
    const key = `${view.event.id} ${count}`;
    copies.set(key, (copies.get(key) ?? 0) + 1);
  }
  return copies;
}
