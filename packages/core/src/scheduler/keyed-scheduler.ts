/**
 * Runs work with a bound on concurrency while keeping per-key order: items with the same key run
 * one at a time in submission order; items with different keys (or no key) run concurrently up to
 * `concurrency`. The one ordering mechanism of Switchyard, shared by every transport.
 */
export interface KeyedSchedulerOptions<T> {
  /** Items running at once. */
  readonly concurrency: number;
  /** Items held (running + waiting) before `onSaturated` fires; `onDrained` fires at half of it. */
  readonly highWaterMark: number;
  readonly keyOf: (item: T) => string | undefined;
  /**
   * Runs an item and calls `done(item)` exactly once when it has ended, synchronously or later.
   * (A callback, not a returned promise: the item's own continuation calls it, so what it starts
   * next runs in that continuation's async context; see the subscription's handler context.)
   */
  readonly run: (item: T, done: (item: T) => void) => void;
  readonly onSaturated?: () => void;
  readonly onDrained?: () => void;
}

/** Free keys kept before they are swept (bounds the map when keys keep changing, e.g. one per entity). */
const SWEEP_FREE_KEYS = 1024;

export class KeyedScheduler<T> {
  readonly #options: KeyedSchedulerOptions<T>;
  /** Items whose key is free (or keyless), in arrival order. Array + head index: O(1) dequeue. */
  #ready: T[] = [];
  #readyHead = 0;
  /**
   * Keys with an item in flight or ready, mapped to the items waiting behind it (null: nobody
   * waiting, which saves an array per item). A key whose last item ended stays as `undefined`
   * instead of being deleted: a delete per event made V8 rehash the map's table, a new allocation
   * each time, and in the old generation once the table had been promoted there, which filled it
   * with dead tables until the next full collection (the NATS consumer's RSS doubled with it).
   * Free entries are swept once they are many (see #release).
   */
  readonly #waiting = new Map<string, T[] | null | undefined>();
  /** Entries of #waiting whose key is busy (not `undefined`). */
  #busyKeys = 0;
  #waitingCount = 0;
  #running = 0;
  #saturated = false;
  #pumping = false;
  #idleWaiters: Array<() => void> = [];

  constructor(options: KeyedSchedulerOptions<T>) {
    if (!(options.concurrency >= 1)) throw new RangeError('concurrency must be at least 1');
    this.#options = options;
  }

  /** Items running, ready or waiting behind their key. */
  get size(): number {
    return this.#running + (this.#ready.length - this.#readyHead) + this.#waitingCount;
  }

  get running(): number {
    return this.#running;
  }

  get saturated(): boolean {
    return this.#saturated;
  }

  submit(item: T): void {
    const key = this.#options.keyOf(item);
    if (key !== undefined) {
      const queue = this.#waiting.get(key);
      if (queue !== undefined) {
        if (queue === null) this.#waiting.set(key, [item]);
        else queue.push(item);
        this.#waitingCount++;
        this.#checkSaturation();
        return;
      }
      this.#waiting.set(key, null);
      this.#busyKeys++;
    }
    this.#ready.push(item);
    this.#checkSaturation();
    this.#pump();
  }

  /**
   * Removes every item that has not started (ready, or waiting behind its key) and returns them in
   * arrival order per key; running items keep running. Used on close: what has not started is
   * handed back to the broker instead of being run after intake stopped.
   */
  takeQueued(): T[] {
    const taken: T[] = [];
    const readyKeys = new Set<string>();
    for (let i = this.#readyHead; i < this.#ready.length; i++) {
      const item = this.#ready[i]!;
      taken.push(item);
      const key = this.#options.keyOf(item);
      if (key !== undefined) readyKeys.add(key);
    }
    this.#ready = [];
    this.#readyHead = 0;
    for (const [key, queue] of this.#waiting) {
      if (queue === undefined) continue;
      if (queue !== null) taken.push(...queue);
      // A key stays busy only while an item of it runs; a key whose head was still ready is free now.
      if (readyKeys.has(key)) this.#release(key);
      else this.#waiting.set(key, null);
    }
    this.#waitingCount = 0;
    this.#resolveIdleIfEmpty();
    return taken;
  }

  /** Resolves when nothing is running or queued. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #pump(): void {
    if (this.#pumping) return; // a synchronous completion inside the loop below comes back here
    this.#pumping = true;
    const { concurrency } = this.#options;
    while (this.#running < concurrency && this.#readyHead < this.#ready.length) {
      const item = this.#ready[this.#readyHead]!;
      this.#ready[this.#readyHead++] = undefined as T;
      if (this.#readyHead > 1024 && this.#readyHead * 2 > this.#ready.length) {
        this.#ready = this.#ready.slice(this.#readyHead);
        this.#readyHead = 0;
      }
      this.#running++;
      this.#start(item);
    }
    this.#pumping = false;
  }

  #start(item: T): void {
    try {
      this.#options.run(item, this.#done);
    } catch {
      // `run` is expected to handle its own errors; a throw here is a bug that must not stall a key.
      this.#finish(item);
    }
  }

  readonly #done = (item: T): void => this.#finish(item);

  #finish(item: T): void {
    this.#running--;
    const key = this.#options.keyOf(item);
    if (key !== undefined) {
      const queue = this.#waiting.get(key);
      if (queue != null && queue.length > 0) {
        this.#waitingCount--;
        this.#ready.push(queue.shift()!);
      } else {
        this.#release(key);
      }
    }
    this.#pump();
    if (this.#saturated && this.size <= this.#options.highWaterMark / 2) {
      this.#saturated = false;
      this.#options.onDrained?.();
    }
    this.#resolveIdleIfEmpty();
  }

  /** Frees a busy key; once free entries pass SWEEP_FREE_KEYS and outnumber the busy ones, drops them. */
  #release(key: string): void {
    this.#waiting.set(key, undefined);
    this.#busyKeys--;
    const free = this.#waiting.size - this.#busyKeys;
    if (free > SWEEP_FREE_KEYS && free > this.#busyKeys) {
      for (const [k, queue] of this.#waiting) if (queue === undefined) this.#waiting.delete(k);
    }
  }

  #resolveIdleIfEmpty(): void {
    if (this.size === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  #checkSaturation(): void {
    if (!this.#saturated && this.size >= this.#options.highWaterMark) {
      this.#saturated = true;
      this.#options.onSaturated?.();
    }
  }
}
