import { randomUUID } from 'node:crypto';
import type kafkajs from 'kafkajs';
import type { OnRecord, RawRecord, ReadOptions } from './backend.ts';
import { topicOffsets, whileLeaderMoves } from './kafka-client.ts';

interface PartitionRange {
  readonly partition: number;
  readonly start: bigint;
  /** High watermark when the read started: a scan stops before it. */
  readonly end: bigint;
}

/**
 * Reads a topic without touching any application's consumer group. kafkajs has no consumer
 * without a group (no `assign`), so this joins a throwaway group of its own
 * (`switchyard-cli-<uuid>`), seeks every partition to the start asked for, never commits an
 * offset, and deletes the group when it stops. Another group never sees it; a process killed
 * with SIGKILL leaves that empty group, without offsets, until the broker expires it.
 */
export async function readKafkaTopic(
  client: kafkajs.Kafka,
  admin: kafkajs.Admin,
  topic: string,
  options: ReadOptions,
  onRecord: OnRecord,
): Promise<void> {
  const ranges = await partitionRanges(admin, topic, options);
  const open = new Map(ranges.filter((r) => options.follow || r.start < r.end).map((r) => [r.partition, r]));
  if (open.size === 0 || options.signal?.aborted) return;

  const groupId = `switchyard-cli-${randomUUID()}`;
  const consumer = client.consumer({
    groupId,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 250,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  const { promise: finished, resolve: finish } = Promise.withResolvers<void>();
  let failure: unknown;
  let stopped = false;
  const stop = (error?: unknown) => {
    if (error !== undefined && failure === undefined) failure = error;
    stopped = true;
    finish();
  };
  const onAbort = () => stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  consumer.on(consumer.events.CRASH, (event) => {
    if (!event.payload.restart) stop(event.payload.error);
  });

  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const range = open.get(partition);
        if (stopped || range === undefined) return;
        const offset = BigInt(message.offset);
        if (offset < range.start) return; // fetched before the seek took effect
        if (!options.follow && offset >= range.end) return;
        try {
          const keepGoing = await onRecord(toRawRecord(topic, partition, message));
          if (keepGoing === false) return stop();
        } catch (error) {
          return stop(error); // kafkajs would retry a throwing eachMessage: stop instead
        }
        if (!options.follow && offset + 1n >= range.end) {
          open.delete(partition);
          if (open.size === 0) stop();
        }
      },
    });
    for (const range of open.values())
      consumer.seek({ topic, partition: range.partition, offset: String(range.start) });
    await finished;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  if (failure !== undefined) throw failure;
}

async function partitionRanges(
  admin: kafkajs.Admin,
  topic: string,
  options: ReadOptions,
): Promise<PartitionRange[]> {
  const offsets = await topicOffsets(admin, topic);
  const byTime =
    options.from.kind === 'time'
      ? new Map(
          (
            await whileLeaderMoves(admin, topic, () =>
              admin.fetchTopicOffsetsByTimestamp(topic, (options.from as { time: Date }).time.getTime()),
            )
          ).map((p) => [p.partition, BigInt(p.offset)]),
        )
      : undefined;
  return offsets.map((p) => {
    const low = BigInt(p.low);
    const high = BigInt(p.high);
    let start = low;
    if (options.from.kind === 'latest') start = high;
    else if (byTime !== undefined) {
      const found = byTime.get(p.partition) ?? -1n;
      start = found < 0n ? high : found; // -1: nothing at or after that time
    }
    return { partition: p.partition, start: start < low ? low : start, end: high };
  });
}

function toRawRecord(topic: string, partition: number, message: kafkajs.KafkaMessage): RawRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value === undefined) continue;
    const last = Array.isArray(value) ? value.at(-1) : value;
    if (last !== undefined) headers[name] = last.toString();
  }
  return {
    topic,
    position: `${partition}:${message.offset}`,
    partition,
    offset: message.offset,
    key: message.key === null ? undefined : message.key.toString(),
    value: message.value ?? new Uint8Array(0),
    headers,
    timestamp: new Date(Number(message.timestamp)),
  };
}
