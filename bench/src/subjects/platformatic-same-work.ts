/**
 * The `platformatic+same` consumer: raw @platformatic/kafka doing a Switchyard subscription's work
 * (see same-work.ts): the CloudEvents headers read as strings, the JSON data decoded, events of one
 * key handled one at a time with up to 64 keys at once across the partitions, and per partition
 * only the offsets handled contiguously committed, every 100 ms (the `durable` preset's commit
 * interval), with the client's autocommit off.
 */
import { type Consumer, type Message, stringDeserializer } from '@platformatic/kafka';
import type { BenchData } from '../payload.ts';
import { ceEvent, KeyedQueue, SAME_WORK_CONCURRENCY } from './same-work.ts';
import { decode } from './switchyard-client.ts';

type StringHeaderMessage = Message<Buffer, Buffer, string, string>;

const COMMIT_INTERVAL_MS = 100;

/** Arrival order of one partition's messages, with which of them are handled. */
interface PartitionProgress {
  pending: StringHeaderMessage[];
  /** Index of the oldest message not yet handled in `pending`. */
  head: number;
  readonly handled: Set<StringHeaderMessage>;
  /** The last message up to which everything is handled and not yet committed. */
  uncommitted: StringHeaderMessage | undefined;
}

export const SAME_WORK_DESERIALIZERS = {
  headerKey: stringDeserializer,
  headerValue: stringDeserializer,
} as const;

/** Consumes `stream` the way a subscription does; returns a function that stops the commit timer. */
export async function consumeSameWork(
  consumer: Consumer<Buffer, Buffer, string, string>,
  topic: string,
  onData: (data: BenchData) => void,
): Promise<() => Promise<void>> {
  const keyed = new KeyedQueue(SAME_WORK_CONCURRENCY);
  const partitions = new Map<number, PartitionProgress>();
  const progressOf = (partition: number): PartitionProgress => {
    let p = partitions.get(partition);
    if (p === undefined) {
      p = { pending: [], head: 0, handled: new Set(), uncommitted: undefined };
      partitions.set(partition, p);
    }
    return p;
  };
  const handledOne = (p: PartitionProgress, m: StringHeaderMessage) => {
    p.handled.add(m);
    const start = p.head;
    while (p.head < p.pending.length && p.handled.has(p.pending[p.head]!)) {
      p.handled.delete(p.pending[p.head]!);
      p.head++;
    }
    if (p.head === start) return;
    p.uncommitted = p.pending[p.head - 1];
    if (p.head > 1024 && p.head * 2 > p.pending.length) {
      p.pending = p.pending.slice(p.head);
      p.head = 0;
    }
  };
  const commit = async () => {
    const commits: Promise<void>[] = [];
    for (const p of partitions.values()) {
      if (p.uncommitted === undefined) continue;
      commits.push(p.uncommitted.commit() as Promise<void>);
      p.uncommitted = undefined;
    }
    await Promise.allSettled(commits);
  };
  const timer = setInterval(() => void commit(), COMMIT_INTERVAL_MS);

  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
  stream.on('data', (m: StringHeaderMessage) => {
    const event = ceEvent(
      (name) => m.headers.get(name),
      'ce_',
      () => decode(m.value),
      m.key?.toString(),
    );
    const p = progressOf(m.partition);
    p.pending.push(m);
    keyed.submit(
      event.key,
      () => onData(event.data),
      () => handledOne(p, m),
    );
  });
  return async () => {
    clearInterval(timer);
    await commit();
  };
}
