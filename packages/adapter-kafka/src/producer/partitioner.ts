import type { TopicMetadata } from '../driver/driver.ts';
import { partitionForKey } from './murmur2.ts';

/**
 * Where an event goes. A key goes where Java's default partitioner puts it (murmur2 of the UTF-8
 * bytes, modulo all partitions), so Java and Node producers agree. Keyless events stick to one
 * partition until its batch is sent (KIP-480's sticky partitioner), which keeps batches full
 * instead of spreading one event per partition per request.
 */
export class Partitioner {
  private readonly sticky = new Map<string, number>();

  private readonly random: () => number;

  constructor(random: () => number = Math.random) {
    this.random = random;
  }

  choose(topic: string, key: string | Uint8Array | undefined, metadata: TopicMetadata): number {
    const count = metadata.partitions.length;
    if (key !== undefined) return partitionForKey(key, count);
    const current = this.sticky.get(topic);
    if (current !== undefined && current < count) return current;
    return this.pickSticky(topic, metadata, undefined);
  }

  /** A batch of `partition` left for the broker: keyless events move to another partition. */
  batchClosed(topic: string, partition: number, metadata: TopicMetadata | undefined): void {
    if (this.sticky.get(topic) !== partition) return;
    if (metadata === undefined) {
      this.sticky.delete(topic);
      return;
    }
    this.pickSticky(topic, metadata, partition);
  }

  private pickSticky(topic: string, metadata: TopicMetadata, avoid: number | undefined): number {
    const withLeader = metadata.partitions.filter((p) => p.leader >= 0).map((p) => p.partition);
    const pool = withLeader.length > 0 ? withLeader : metadata.partitions.map((p) => p.partition);
    const choices = pool.length > 1 && avoid !== undefined ? pool.filter((p) => p !== avoid) : pool;
    const chosen = choices[Math.floor(this.random() * choices.length)] ?? 0;
    this.sticky.set(topic, chosen);
    return chosen;
  }
}
