import type { PlatformaticConsumerClient } from './platformatic-consumer.ts';
import { partitionKey } from './platformatic-fetch-plan.ts';

/**
 * Where each newly assigned partition starts: the group's committed offset, or, for a partition
 * without one, the log start (`fromBeginning(topic)`) or the end, as auto.offset.reset. Keyed by
 * `partitionKey`.
 */
export async function startPositions(
  client: PlatformaticConsumerClient,
  assignment: ReadonlyMap<string, readonly number[]>,
  fromBeginning: (topic: string) => boolean,
): Promise<Map<string, bigint>> {
  const positions = new Map<string, bigint>();
  if (assignment.size === 0) return positions;
  const topics = [...assignment].map(([topic, partitions]) => ({ topic, partitions: [...partitions] }));
  const committed = await client.listCommittedOffsets({ topics });
  const missing = new Map<boolean, Map<string, number[]>>();
  for (const [topic, partitions] of assignment) {
    const offsets = committed.get(topic) ?? [];
    for (const partition of partitions) {
      const offset = offsets[partition];
      if (offset !== undefined && offset >= 0n) {
        positions.set(partitionKey(topic, partition), offset);
        continue;
      }
      const earliest = fromBeginning(topic);
      const byTopic = missing.get(earliest) ?? new Map<string, number[]>();
      missing.set(earliest, byTopic);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    }
  }
  for (const [earliest, byTopic] of missing) {
    const listed = await client.listOffsets({
      topics: [...byTopic.keys()],
      partitions: Object.fromEntries(byTopic),
      timestamp: earliest ? -2n : -1n,
    });
    for (const [topic, partitions] of byTopic) {
      const offsets = listed.get(topic) ?? [];
      for (const partition of partitions)
        positions.set(partitionKey(topic, partition), offsets[partition] ?? 0n);
    }
  }
  return positions;
}
