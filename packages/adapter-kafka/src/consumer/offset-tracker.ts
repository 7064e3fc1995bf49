/**
 * Offsets of one partition handed to the scheduler, for as long as this member owns the partition.
 * Acks arrive in any order; the commit position is the first offset not yet acknowledged (or the
 * one after the last delivered when all are), so a committed offset never skips unfinished work.
 */
export class OffsetTracker {
  /** Set when the partition was revoked: its acks no longer commit anything. */
  revoked = false;
  /** Aborted on revocation: core skips this partition's queued events and aborts their handlers' signal. */
  readonly revocation = new AbortController();
  /** Last position committed for this partition, as the next offset to read. */
  committed: number | undefined;
  private order: number[] = [];
  private head = 0;
  private readonly acked = new Set<number>();
  private next: number | undefined;

  readonly topic: string;
  readonly partition: number;
  /** Where fetching starts before anything was delivered (`startFrom: 'latest'` on a group that never committed). */
  private readonly startAt: number | undefined;

  constructor(topic: string, partition: number, startAt?: number) {
    this.topic = topic;
    this.partition = partition;
    this.startAt = startAt;
  }

  /**
   * Where this member's fetching continues when it gets the partition again in a new generation
   * (after a rejoin): right after the last offset handed over, since everything before it is acked,
   * committed or still in flight here. Undefined: from the group's committed offset.
   */
  resumeAt(): number | undefined {
    return this.next ?? this.startAt;
  }

  /** Offsets delivered and not yet acknowledged. */
  get outstanding(): number {
    return this.order.length - this.head - this.acked.size;
  }

  /** Whether `offset` was already handed over while this member owned the partition (a re-fetch after a rebalance). */
  seen(offset: number): boolean {
    return this.next !== undefined && offset < this.next;
  }

  add(offset: number): void {
    this.order.push(offset);
    this.next = offset + 1;
  }

  /** Records an ack; returns true when the commit position moved. */
  ack(offset: number): boolean {
    const first = this.order[this.head];
    if (first === undefined) return false;
    if (offset !== first) {
      this.acked.add(offset);
      return false;
    }
    this.head++;
    while (this.head < this.order.length && this.acked.delete(this.order[this.head]!)) this.head++;
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
    return true;
  }

  /**
   * The offset to commit (next to read). Before anything was delivered: where it was told to start
   * (so a group that never committed gets a commit at once, and a member joining later, or this one
   * restarted, starts there rather than at a later end), else undefined.
   */
  position(): number | undefined {
    return this.order[this.head] ?? this.next ?? this.startAt;
  }

  /** A position that has not been committed yet, if any. */
  uncommitted(): number | undefined {
    const position = this.position();
    return position !== undefined && position !== this.committed ? position : undefined;
  }
}
