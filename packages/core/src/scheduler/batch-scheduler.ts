/**
 * Groups work into batches while keeping per-key order: items are spread over `lanes` by key (the
 * same key always in the same lane), each lane runs one batch at a time, in arrival order, so
 * same-key items are handled in order and different lanes run concurrently. A lane's batch starts
 * when it holds `maxItems`, or `maxWaitMs` after its first item arrived, or at once when the lane
 * frees and items waited meanwhile. Keyless items go round-robin.
 */
export interface BatchSchedulerOptions<T> {
  readonly lanes: number;
  readonly maxItems: number;
  readonly maxWaitMs: number;
  /** Items held (running + waiting) before `onSaturated` fires; `onDrained` fires at half of it. */
  readonly highWaterMark: number;
  readonly keyOf: (item: T) => string | undefined;
  /** Runs a batch and calls `done()` exactly once when all of it has ended. */
  readonly run: (items: T[], done: () => void) => void;
  readonly onSaturated?: () => void;
  readonly onDrained?: () => void;
}

interface Lane<T> {
  queue: T[];
  running: number;
  timer: NodeJS.Timeout | undefined;
}

export class BatchScheduler<T> {
  readonly #options: BatchSchedulerOptions<T>;
  readonly #lanes: Lane<T>[];
  #next = 0;
  #queued = 0;
  #running = 0;
  #saturated = false;
  #idleWaiters: Array<() => void> = [];

  constructor(options: BatchSchedulerOptions<T>) {
    if (!(options.lanes >= 1)) throw new RangeError('lanes must be at least 1');
    if (!(options.maxItems >= 1)) throw new RangeError('maxItems must be at least 1');
    this.#options = options;
    this.#lanes = Array.from({ length: options.lanes }, () => ({ queue: [], running: 0, timer: undefined }));
  }

  get size(): number {
    return this.#queued + this.#running;
  }

  get running(): number {
    return this.#running;
  }

  get saturated(): boolean {
    return this.#saturated;
  }

  submit(item: T): void {
    const key = this.#options.keyOf(item);
    const index = key === undefined ? this.#next++ % this.#lanes.length : laneOf(key, this.#lanes.length);
    const lane = this.#lanes[index]!;
    lane.queue.push(item);
    this.#queued++;
    if (!this.#saturated && this.size >= this.#options.highWaterMark) {
      this.#saturated = true;
      this.#options.onSaturated?.();
    }
    this.#kick(lane);
  }

  /** Removes every item not yet in a running batch (on close: they go back to the broker). */
  takeQueued(): T[] {
    const taken: T[] = [];
    for (const lane of this.#lanes) {
      clearTimeout(lane.timer);
      lane.timer = undefined;
      taken.push(...lane.queue);
      lane.queue = [];
    }
    this.#queued = 0;
    this.#resolveIdle();
    return taken;
  }

  /** Resolves when nothing is running or queued. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #kick(lane: Lane<T>): void {
    if (lane.running > 0 || lane.queue.length === 0) return;
    if (lane.queue.length >= this.#options.maxItems) {
      this.#start(lane);
      return;
    }
    lane.timer ??= setTimeout(() => {
      lane.timer = undefined;
      if (lane.running === 0) this.#start(lane);
    }, this.#options.maxWaitMs);
  }

  #start(lane: Lane<T>): void {
    clearTimeout(lane.timer);
    lane.timer = undefined;
    const items = lane.queue.splice(0, this.#options.maxItems);
    this.#queued -= items.length;
    lane.running = items.length;
    this.#running += items.length;
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      this.#running -= lane.running;
      lane.running = 0;
      // What arrived while this batch ran has waited already: it goes at once.
      if (lane.queue.length > 0) this.#start(lane);
      if (this.#saturated && this.size <= this.#options.highWaterMark / 2) {
        this.#saturated = false;
        this.#options.onDrained?.();
      }
      this.#resolveIdle();
    };
    try {
      this.#options.run(items, done);
    } catch {
      done(); // `run` handles its own errors; a throw here must not stall the lane
    }
  }

  #resolveIdle(): void {
    if (this.size === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}

/** FNV-1a: a stable lane per key. */
function laneOf(key: string, lanes: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % lanes;
}
