import type { ClusterMetadata } from '@platformatic/kafka';
import type { FetchPartition } from './platformatic-records.ts';

/** One topic of a fetch request, and the offset each partition was asked from. */
export interface Requested {
  readonly topicId: string;
  readonly partitions: FetchPartition[];
  readonly at: Map<number, bigint>;
}

/** What the fetch loop knows of its partitions when it plans a round of fetches. */
export interface FetchState {
  readonly assignment: ReadonlyMap<string, readonly number[]>;
  /** Next offset to fetch per `partitionKey`. */
  readonly positions: ReadonlyMap<string, bigint>;
  readonly paused: ReadonlySet<string>;
  /** Brokers with a fetch in flight. */
  readonly inflight: ReadonlySet<number>;
}

/**
 * A round of fetches: per broker with none in flight, the assigned and unpaused partitions it
 * leads, each from its position. Partitions without a known leader or position wait.
 */
export function planFetches(
  state: FetchState,
  metadata: ClusterMetadata,
  maxBytesPerPartition: number,
): Map<number, Map<string, Requested>> {
  const byNode = new Map<number, Map<string, Requested>>();
  for (const [topic, partitions] of state.assignment) {
    const topicMetadata = metadata.topics.get(topic);
    if (topicMetadata === undefined) continue;
    for (const partition of partitions) {
      const k = partitionKey(topic, partition);
      if (state.paused.has(k)) continue;
      const offset = state.positions.get(k);
      const leader = topicMetadata.partitions[partition]?.leader;
      if (offset === undefined || leader === undefined || leader < 0 || state.inflight.has(leader)) continue;
      let topics = byNode.get(leader);
      if (topics === undefined) {
        topics = new Map();
        byNode.set(leader, topics);
      }
      let entry = topics.get(topic);
      if (entry === undefined) {
        entry = { topicId: topicMetadata.id, partitions: [], at: new Map() };
        topics.set(topic, entry);
      }
      entry.at.set(partition, offset);
      entry.partitions.push({
        partition,
        fetchOffset: offset,
        partitionMaxBytes: maxBytesPerPartition,
        currentLeaderEpoch: -1,
        lastFetchedEpoch: -1,
      });
    }
  }
  return byNode;
}

/** How positions are keyed. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}
