import { OffsetTracker } from './offset-tracker.ts';

/**
 * The partitions a group member owns, each with its offset tracker. Trackers outlive the member's
 * restarts: a partition assigned again after a rejoin keeps its tracker (its events in flight, what
 * is acked) and continues where it was.
 */
export class OwnedPartitions {
  private readonly trackers = new Map<string, OffsetTracker>();
  private readonly onRevoked: (tracker: OffsetTracker) => void;

  /** `onRevoked` hears of each partition that leaves, after its tracker was marked revoked. */
  constructor(onRevoked: (tracker: OffsetTracker) => void) {
    this.onRevoked = onRevoked;
  }

  get(topic: string, partition: number): OffsetTracker | undefined {
    return this.trackers.get(`${topic}|${partition}`);
  }

  values(): IterableIterator<OffsetTracker> {
    return this.trackers.values();
  }

  /**
   * A new assignment: partitions no longer in it are revoked, new ones get a tracker starting at
   * `startAt` (undefined: the group's commit). Returns where fetching of each partition must
   * continue, for those that have a position of their own.
   */
  assign(
    assignment: ReadonlyMap<string, readonly number[]>,
    startAt: (topic: string, partition: number) => number | undefined,
  ): Array<{ topic: string; partition: number; offset: number }> {
    const assigned = new Set<string>();
    for (const [topic, partitions] of assignment) for (const p of partitions) assigned.add(`${topic}|${p}`);
    for (const [key, tracker] of this.trackers) if (!assigned.has(key)) this.revoke(key, tracker);
    const seeks: Array<{ topic: string; partition: number; offset: number }> = [];
    for (const [topic, partitions] of assignment) {
      for (const partition of partitions) {
        const key = `${topic}|${partition}`;
        let tracker = this.trackers.get(key);
        if (tracker === undefined) {
          tracker = new OffsetTracker(topic, partition, startAt(topic, partition));
          this.trackers.set(key, tracker);
        }
        // A partition kept through a rejoin continues after what was handed over, not from the commit.
        const offset = tracker.resumeAt();
        if (offset !== undefined) seeks.push({ topic, partition, offset });
      }
    }
    return seeks;
  }

  /** Revokes the partitions of topics `keep` says no to. */
  retain(keep: (topic: string) => boolean): void {
    for (const [key, tracker] of this.trackers) if (!keep(tracker.topic)) this.revoke(key, tracker);
  }

  private revoke(key: string, tracker: OffsetTracker): void {
    // In-flight work finishes in core but commits nothing; the new owner starts from the last commit.
    tracker.revoked = true;
    tracker.revocation.abort();
    this.trackers.delete(key);
    this.onRevoked(tracker);
  }
}
