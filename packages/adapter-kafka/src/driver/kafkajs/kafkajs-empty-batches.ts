import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** What this patch reads of kafkajs 2.2.4's consumer `Batch`. */
export interface FetchedBatch {
  /** The records the broker returned for the partition, before kafkajs filtered any. */
  readonly rawMessages: readonly unknown[];
}

interface ConsumerGroupLike {
  fetch(nodeId: number): Promise<FetchedBatch[]>;
}

/**
 * The batches of a fetch that carry records. kafkajs 2.2.4 turns every partition of a Fetch
 * response into a batch, and its runner passes each one through the worker queue one after the
 * other (a promise, a `Promise.allSettled`, offset-lag arithmetic with `Long` and a heartbeat check
 * per batch) even when the partition returned nothing, in which case it only checks the heartbeat.
 * A subscription fetches its topic and its four retry topics, so with `minBytes: 1` (the `latency`
 * preset) and 3 partitions each, a fetch returning one event drags 14 empty batches through that
 * queue before the next fetch is sent: at 1,000 events/s that tripled the consumer's allocation
 * and its GC pauses (bench/README.md). Dropped here, the runner does exactly what it did for them:
 * with no batch left it checks the heartbeat itself. A batch with records that kafkajs then
 * filters (control records, aborted transactions, compacted offsets) is kept: kafkajs resolves
 * its offsets.
 */
export function withRecords<T extends FetchedBatch>(batches: T[]): T[] {
  for (const batch of batches) {
    if (batch.rawMessages.length === 0) return batches.filter((b) => b.rawMessages.length > 0);
  }
  return batches;
}

/**
 * Wraps kafkajs' `ConsumerGroup.fetch` with `withRecords`. Applied by `patchKafkajs` with its other
 * patches (once, to kafkajs 2.2.4 only), whose `kafkajsPatched()` reports them all.
 */
export function dropEmptyBatches(): void {
  const ConsumerGroup = require('kafkajs/src/consumer/consumerGroup.js') as {
    prototype: ConsumerGroupLike;
  };
  const fetch = ConsumerGroup.prototype.fetch;
  ConsumerGroup.prototype.fetch = async function fetchWithRecords(this: ConsumerGroupLike, nodeId: number) {
    return withRecords(await fetch.call(this, nodeId));
  };
}
