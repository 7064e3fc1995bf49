type Paused = ReadonlyArray<{ readonly topic: string; readonly partitions: readonly number[] }>;

/**
 * Which assigned partitions of a group member fetch. A whole topic stops when its consumer says so
 * (core's scheduler is full, the prefetch bound is reached, the subscription is stopping, or no
 * consumer owns it any more); a retry-topic partition stops until its next event is due. Applies the
 * result only when it changes; call `sync()` after a topic's answer changed.
 */
export class PauseState {
  private assignment: ReadonlyMap<string, readonly number[]> = new Map();
  private readonly holds = new Map<string, { topic: string; partition: number; timer: NodeJS.Timeout }>();
  private applied = '';

  private readonly apply: (paused: Paused) => void;
  private readonly topicPaused: (topic: string) => boolean;

  constructor(apply: (paused: Paused) => void, topicPaused: (topic: string) => boolean) {
    this.apply = apply;
    this.topicPaused = topicPaused;
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
    const byTopic = new Map<string, number[]>();
    for (const [topic, partitions] of this.assignment) {
      if (this.topicPaused(topic)) byTopic.set(topic, [...partitions]);
    }
    for (const { topic, partition } of this.holds.values()) {
      if (this.topicPaused(topic)) continue;
      let list = byTopic.get(topic);
      if (list === undefined) {
        list = [];
        byTopic.set(topic, list);
      }
      list.push(partition);
    }
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
  }

  sync(): void {
    const paused = this.paused();
    const signature = JSON.stringify(paused);
    if (signature === this.applied) return;
    this.applied = signature;
    this.apply(paused);
  }
}
