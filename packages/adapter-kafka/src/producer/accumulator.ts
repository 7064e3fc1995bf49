import type { SendOutcome } from '@switchyard/core/transport';
import type { DriverRecord } from '../driver/driver.ts';

/** One event waiting in (or travelling with) a partition batch. */
export interface PendingRecord {
  readonly record: DriverRecord;
  /** Estimated wire size, as counted against the batch and buffer limits. */
  readonly bytes: number;
  readonly settle: (outcome: SendOutcome) => void;
  /** Settles it as written at `offset` (undefined when the broker gave none: acks none). */
  readonly written: (offset: string | undefined) => void;
}

export interface PartitionBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly PendingRecord[];
}

export interface AccumulatorConfig {
  readonly lingerMs: number;
  readonly batchMaxMessages: number;
  readonly batchMaxBytes: number;
  readonly maxInFlightPerLeader: number;
}

/**
 * Sends one request to one broker. Must settle every record (success or failure) and never reject.
 */
export type Transmit = (leader: number, batches: readonly PartitionBatch[]) => Promise<void>;

interface PartitionQueue {
  readonly topic: string;
  readonly partition: number;
  leader: number;
  records: PendingRecord[];
  bytes: number;
  /** When the oldest waiting record arrived. */
  firstAt: number;
  inFlight: boolean;
}

/**
 * The clients have no linger, so batching happens here: per-partition queues, closed by count, bytes or
 * linger time, drained into one request per broker (leader). At most one batch per partition is
 * in flight — a later batch never overtakes an earlier one, even when the client retries — and at
 * most `maxInFlightPerLeader` requests per broker. With `lingerMs: 0` this is adaptive: a partition
 * is sent as soon as its broker has room, and events that arrive while a request is in flight
 * gather into the next one.
 */
export class Accumulator {
  /** Every partition queue, in the order they were made (what `drain` walks). */
  private readonly queues: PartitionQueue[] = [];
  /** The same queues by topic, then by partition: found per event without building a key string. */
  private readonly byTopic = new Map<string, PartitionQueue[]>();
  private readonly inFlightByLeader = new Map<number, number>();
  private drainScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private flushing = 0;
  private idleWaiters: Array<() => void> = [];
  private requests = 0;

  private readonly config: AccumulatorConfig;
  private readonly transmit: Transmit;
  private readonly onBatchClosed: (topic: string, partition: number) => void;
  private readonly now: () => number;

  constructor(
    config: AccumulatorConfig,
    transmit: Transmit,
    onBatchClosed: (topic: string, partition: number) => void = () => {},
    now: () => number = Date.now,
  ) {
    this.config = config;
    this.transmit = transmit;
    this.onBatchClosed = onBatchClosed;
    this.now = now;
  }

  /** Requests in flight across all brokers. */
  get inFlightRequests(): number {
    return this.requests;
  }

  append(topic: string, partition: number, leader: number, pending: PendingRecord): void {
    let partitions = this.byTopic.get(topic);
    if (partitions === undefined) {
      partitions = [];
      this.byTopic.set(topic, partitions);
    }
    let queue = partitions[partition];
    if (queue === undefined) {
      queue = { topic, partition, leader, records: [], bytes: 0, firstAt: 0, inFlight: false };
      partitions[partition] = queue;
      this.queues.push(queue);
    }
    queue.leader = leader;
    if (queue.records.length === 0) queue.firstAt = this.now();
    queue.records.push(pending);
    queue.bytes += pending.bytes;
    this.scheduleDrain();
  }

  /**
   * Takes back, in order, what waits behind a partition's batch in flight (none of it was sent),
   * to be sent again after that batch: e.g. once its topic, deleted meanwhile, is made anew.
   */
  takeQueued(topic: string, partition: number): PendingRecord[] {
    const queue = this.byTopic.get(topic)?.[partition];
    if (queue === undefined || queue.records.length === 0) return [];
    const taken = queue.records;
    queue.records = [];
    queue.bytes = 0;
    return taken;
  }

  /** Sends everything now, ignoring linger, and resolves when nothing is queued or in flight. */
  async flush(): Promise<void> {
    this.flushing++;
    try {
      const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      this.drain();
      this.checkIdle();
      await idle;
    } finally {
      this.flushing--;
    }
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    // Coalesce every append of the current tick into one pass (and so into one request).
    queueMicrotask(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    const now = this.now();
    const byLeader = new Map<number, PartitionQueue[]>();
    let nextDeadline = Number.POSITIVE_INFINITY;
    for (const queue of this.queues) {
      if (queue.inFlight || queue.records.length === 0) continue;
      let list = byLeader.get(queue.leader);
      if (list === undefined) {
        list = [];
        byLeader.set(queue.leader, list);
      }
      list.push(queue);
    }
    for (const [leader, candidates] of byLeader) {
      let available = candidates;
      while (
        available.length > 0 &&
        (this.inFlightByLeader.get(leader) ?? 0) < this.config.maxInFlightPerLeader
      ) {
        if (!available.some((q) => this.isReady(q, now))) {
          for (const q of available) nextDeadline = Math.min(nextDeadline, q.firstAt + this.config.lingerMs);
          break;
        }
        // The broker gets a request anyway: take every partition it leads that has something waiting.
        this.send(leader, available);
        available = available.filter((q) => !q.inFlight && q.records.length > 0);
      }
    }
    this.armTimer(nextDeadline, now);
  }

  private isReady(queue: PartitionQueue, now: number): boolean {
    return (
      this.flushing > 0 ||
      queue.records.length >= this.config.batchMaxMessages ||
      queue.bytes >= this.config.batchMaxBytes ||
      now - queue.firstAt >= this.config.lingerMs
    );
  }

  private send(leader: number, queues: readonly PartitionQueue[]): void {
    const batches: PartitionBatch[] = [];
    const sent: PartitionQueue[] = [];
    for (const queue of queues) {
      if (queue.inFlight || queue.records.length === 0) continue;
      batches.push({ topic: queue.topic, partition: queue.partition, records: this.take(queue) });
      queue.inFlight = true;
      sent.push(queue);
      this.onBatchClosed(queue.topic, queue.partition);
    }
    if (batches.length === 0) return;
    this.inFlightByLeader.set(leader, (this.inFlightByLeader.get(leader) ?? 0) + 1);
    this.requests++;
    void this.transmit(leader, batches).finally(() => {
      for (const queue of sent) queue.inFlight = false;
      this.inFlightByLeader.set(leader, this.inFlightByLeader.get(leader)! - 1);
      this.requests--;
      this.drain();
      this.checkIdle();
    });
  }

  /** Takes the oldest records up to the batch limits (always at least one, however large). */
  private take(queue: PartitionQueue): PendingRecord[] {
    let count = 0;
    let bytes = 0;
    for (const record of queue.records) {
      if (
        count > 0 &&
        (count >= this.config.batchMaxMessages || bytes + record.bytes > this.config.batchMaxBytes)
      )
        break;
      count++;
      bytes += record.bytes;
    }
    const taken = queue.records.splice(0, count);
    queue.bytes -= bytes;
    // Records left behind keep their arrival time: they have lingered already and go next.
    return taken;
  }

  private armTimer(deadline: number, now: number): void {
    if (deadline === Number.POSITIVE_INFINITY || deadline >= this.timerAt) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = deadline;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.drain();
      },
      Math.max(0, deadline - now),
    );
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || this.requests > 0) return;
    for (const queue of this.queues) if (queue.records.length > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
