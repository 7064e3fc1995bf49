type Paused = ReadonlyArray<{ readonly topic: string; readonly partitions: readonly number[] }>;

/**
 * Which assigned partitions fetch, from three reasons to stop: core's scheduler is full
 * (`pause()`), the transport's own prefetch bound is reached, or a retry-topic partition's next
 * event is not due yet. Applies the result only when it changes.
 */
export class PauseState {
  private core = false;
  private prefetchFull = false;
  private assignment: ReadonlyMap<string, readonly number[]> = new Map();
  private readonly holds = new Map<string, { topic: string; partition: number; timer: NodeJS.Timeout }>();
  private applied = '';

  private readonly apply: (paused: Paused) => void;

  constructor(apply: (paused: Paused) => void) {
    this.apply = apply;
  }

  get corePaused(): boolean {
    return this.core;
  }

  setCore(paused: boolean): void {
    this.core = paused;
    this.sync();
  }

  setPrefetchFull(full: boolean): void {
    if (this.prefetchFull === full) return;
    this.prefetchFull = full;
    this.sync();
  }

  setAssignment(assignment: ReadonlyMap<string, readonly number[]>): void {
    this.assignment = assignment;
    this.applied = ''; // a new generation starts with nothing paused in the client
    this.sync();
  }

  /** Pauses one partition until `dueAt` (epoch ms). */
  holdUntil(topic: string, partition: number, dueAt: number): void {
    const key = `${topic}|${partition}`;
    clearTimeout(this.holds.get(key)?.timer);
    const timer = setTimeout(() => this.clearDue(topic, partition), Math.max(0, dueAt - Date.now()));
    this.holds.set(key, { topic, partition, timer });
    this.sync();
  }

  clearDue(topic: string, partition: number): void {
    const key = `${topic}|${partition}`;
    const hold = this.holds.get(key);
    if (hold === undefined) return;
    clearTimeout(hold.timer);
    this.holds.delete(key);
    this.sync();
  }

  dispose(): void {
    for (const hold of this.holds.values()) clearTimeout(hold.timer);
    this.holds.clear();
  }

  paused(): Paused {
    if (this.core || this.prefetchFull) {
      return [...this.assignment].map(([topic, partitions]) => ({ topic, partitions }));
    }
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of this.holds.values()) {
      let list = byTopic.get(topic);
      if (list === undefined) {
        list = [];
        byTopic.set(topic, list);
      }
      list.push(partition);
    }
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
  }

  private sync(): void {
    const paused = this.paused();
    const signature = JSON.stringify(paused);
    if (signature === this.applied) return;
    this.applied = signature;
    this.apply(paused);
  }
}
