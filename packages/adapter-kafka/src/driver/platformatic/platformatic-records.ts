import type { Consumer } from '@platformatic/kafka';
import type { DriverBatch, DriverInbound } from '../driver.ts';
import { headerNameString, headerString } from '../header-strings.ts';

type FetchOptions = Parameters<Consumer['fetch']>[0];
export type FetchPartition = FetchOptions['topics'][number]['partitions'][number];
export type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>;
type PartitionResponse = FetchResponse['responses'][number]['partitions'][number];

const IS_CONTROL = 0b10_0000;

/**
 * One partition of a fetch response as the driver hands it over: the records from `fetchedAt` on
 * (control records and the part of the first batch before `fetchedAt` left out), and the offset
 * after the last batch (where the next fetch starts once every record is taken).
 */
export function recordsOf(
  topic: string,
  p: PartitionResponse,
  fetchedAt: bigint,
): { batch: DriverBatch; next: bigint } | undefined {
  const batches = p.records;
  if (batches === undefined || batches === null || batches.length === 0) return undefined;
  const messages: DriverInbound[] = [];
  let next = fetchedAt;
  for (const batch of batches) {
    const last = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
    if ((batch.attributes & IS_CONTROL) === 0) {
      for (const record of batch.records) {
        const offset = batch.firstOffset + BigInt(record.offsetDelta);
        if (offset < fetchedAt) continue;
        messages.push({
          offset: String(offset),
          key: record.key,
          value: record.value,
          headers: headersOf(record.headers),
          timestamp: String(batch.firstTimestamp + record.timestampDelta),
        });
      }
    }
    if (last > next) next = last;
  }
  return { batch: { topic, partition: p.partitionIndex, messages }, next };
}

/** Headers as strings; a null value is left out, the last of a repeated name wins (as in Java's `lastHeader`). */
function headersOf(headers: ReadonlyArray<[Buffer | null, Buffer | null]>): Record<string, string> {
  const out: Record<string, string> = {};
  let slot = 0;
  for (const [name, value] of headers) {
    if (name === null || value === null) continue;
    const n = headerNameString(name, slot);
    out[n] = headerString(n, value, slot++);
  }
  return out;
}
