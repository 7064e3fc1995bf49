/**
 * What a raw client's user writes to get what a Switchyard subscription gives, for the
 * "same work" consume peers (`kafkajs+same`, `platformatic+same`, `nats.js+same`): the CloudEvents attributes read from
 * the headers, the JSON data decoded, and events of one key handled one at a time in arrival order
 * while different keys run concurrently up to a bound. Kept plain on purpose: a per-key FIFO map
 * and a ready list, no envelope object beyond the fields read, no metrics, no tracing.
 */
import type { BenchData } from '../payload.ts';

/** The attributes a Switchyard consumer reads from every event (binary content mode). */
export interface CeEvent {
  readonly id: string;
  readonly type: string;
  readonly source: string;
  readonly time: string | undefined;
  readonly key: string | undefined;
  readonly contentType: string;
  readonly data: BenchData;
}

/** Throws like a consumer would on a message that is not a CloudEvent. */
export function ceEvent(
  get: (name: string) => string | undefined,
  prefix: string,
  data: () => BenchData,
  fallbackKey?: string,
): CeEvent {
  const id = get(`${prefix}id`);
  const type = get(`${prefix}type`);
  const source = get(`${prefix}source`);
  if (id === undefined || type === undefined || source === undefined)
    throw new Error('not a CloudEvent in binary mode');
  return {
    id,
    type,
    source,
    time: get(`${prefix}time`),
    key: get(`${prefix}partitionkey`) ?? fallbackKey,
    contentType: get('content-type') ?? 'application/json',
    data: data(),
  };
}

/** The concurrency the Switchyard consumer subjects subscribe with (`busConsumer`). */
export const SAME_WORK_CONCURRENCY = 64;

interface Item {
  readonly key: string | undefined;
  readonly run: () => void | Promise<void>;
  readonly done: () => void;
}

/** Per-key serial, bounded concurrency; `done` of an item is called after its `run` settled. */
export class KeyedQueue {
  readonly #concurrency: number;
  readonly #busy = new Map<string, Item[]>();
  #ready: Item[] = [];
  #running = 0;
  #pumping = false;

  constructor(concurrency: number) {
    this.#concurrency = concurrency;
  }

  submit(key: string | undefined, run: () => void | Promise<void>, done: () => void): void {
    const item = { key, run, done };
    if (key !== undefined) {
      const queue = this.#busy.get(key);
      if (queue !== undefined) {
        queue.push(item);
        return;
      }
      this.#busy.set(key, []);
    }
    this.#ready.push(item);
    this.#pump();
  }

  #pump(): void {
    if (this.#pumping) return; // a synchronous finish inside the loop comes back here
    this.#pumping = true;
    while (this.#running < this.#concurrency && this.#ready.length > 0) {
      const item = this.#ready.shift()!;
      this.#running++;
      let result: void | Promise<void>;
      try {
        result = item.run();
      } catch {
        result = undefined;
      }
      if (result instanceof Promise)
        result.then(
          () => this.#finish(item),
          () => this.#finish(item),
        );
      else this.#finish(item);
    }
    this.#pumping = false;
  }

  #finish(item: Item): void {
    this.#running--;
    if (item.key !== undefined) {
      const queue = this.#busy.get(item.key)!;
      const next = queue.shift();
      if (next === undefined) this.#busy.delete(item.key);
      else this.#ready.push(next);
    }
    item.done();
    this.#pump();
  }
}
