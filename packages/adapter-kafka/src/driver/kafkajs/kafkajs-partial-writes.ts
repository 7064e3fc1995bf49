import type { PartitionWrite, ProduceRequest } from '../driver.ts';
import { classifyKafkajsError } from './kafkajs-errors.ts';

/**
 * kafkajs fails a broker's whole Produce request when one partition in it fails, although the
 * broker wrote the others. When a topic in a request was deleted meanwhile, the events of the
 * request's other topics were written, yet would all be reported as failed. Before its retries,
 * kafkajs rolls the sequence numbers of every partition of the failed request back, so with an
 * idempotent producer a request of the same events for the remaining topics, sent by the same
 * producer, is one the broker recognises: it answers with the offsets it wrote them at, and writes
 * nothing twice. Without idempotence that request would write them again, so it is not sent.
 *
 * Returns each partition's write (the deleted topics' with the error), or undefined when this does
 * not apply and the error stands for the whole request.
 */
export async function writesAroundDeletedTopics(
  error: unknown,
  request: ProduceRequest,
  idempotent: boolean,
  listTopics: () => Promise<readonly string[]>,
  send: (topics: ProduceRequest['topics']) => Promise<readonly PartitionWrite[]>,
): Promise<readonly PartitionWrite[] | undefined> {
  if (!idempotent || request.topics.length < 2) return undefined;
  if (classifyKafkajsError(error)?.root.type !== 'UNKNOWN_TOPIC_OR_PARTITION') return undefined;
  const listed = new Set(await listTopics().catch(() => [] as readonly string[]));
  if (listed.size === 0) return undefined;
  const kept = request.topics.filter((t) => listed.has(t.topic));
  if (kept.length === 0 || kept.length === request.topics.length) return undefined;
  const written = await send(kept);
  const deleted: PartitionWrite[] = [];
  for (const { topic, records } of request.topics) {
    if (listed.has(topic)) continue;
    for (const partition of new Set(records.map((r) => r.partition)))
      deleted.push({ topic, partition, baseOffset: undefined, error });
  }
  return [...written, ...deleted];
}

/**
 * A send whose answer was kept per partition (kafkajs-produce-per-partition.ts) may carry partitions
 * the broker did not host, none of which it wrote. Those of topics the cluster still lists (a topic
 * just made, not served by its leader yet) are sent once more, through kafkajs' retries; those of
 * topics deleted meanwhile keep their error, for the producer to make the topic anew. A resend that
 * fails leaves them with their first error: the partitions the first answer wrote stay written.
 */
export async function resendUnknownPartitions(
  writes: readonly PartitionWrite[],
  request: ProduceRequest,
  listTopics: () => Promise<readonly string[]>,
  send: (topics: ProduceRequest['topics']) => Promise<readonly PartitionWrite[]>,
): Promise<readonly PartitionWrite[]> {
  if (writes.every((w) => w.error === undefined)) return writes;
  const listed = new Set(await listTopics().catch(() => [] as readonly string[]));
  const again = new Set(writes.filter((w) => w.error !== undefined && listed.has(w.topic)).map(partitionKey));
  if (again.size === 0) return writes;
  const topics = request.topics
    .map(({ topic, records }) => ({
      topic,
      records: records.filter((r) => again.has(partitionKey({ topic, partition: r.partition }))),
    }))
    .filter((t) => t.records.length > 0);
  const resent = await send(topics).catch(() => undefined);
  if (resent === undefined) return writes;
  return [...writes.filter((w) => !again.has(partitionKey(w))), ...resent];
}

const partitionKey = (w: { readonly topic: string; readonly partition: number }) =>
  `${w.topic}\u0000${w.partition}`;
