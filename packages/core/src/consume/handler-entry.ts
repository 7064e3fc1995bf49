import type { EventDefinition } from '../define-event.ts';
import { EventBusError } from '../errors.ts';
import type { HandleFn } from '../middleware.ts';
import type { BatchHandler, Subscription } from '../types.ts';
import type { ResolvedRetryPolicy } from './retry-policy.ts';

/** What a handler entry needs from the consumer it belongs to. */
export interface EntryOwner {
  readonly topic: string;
  readonly group: string;
  readonly drainTimeoutMs: number;
  /** Takes the entry out of dispatch; the consumer closes itself when it was the last one. */
  remove(entry: HandlerEntry, drainTimeoutMs: number): Promise<void>;
}

/**
 * One `subscribe()` call: a handler for one event type (or every type) inside the consumer of its
 * group and topic. It is the `Subscription` the caller gets back.
 */
export class HandlerEntry implements Subscription {
  readonly topic: string;
  readonly group: string;
  /** The event type this handler declares; `undefined` takes every type. */
  readonly type: string | undefined;
  readonly definition: EventDefinition<unknown> | undefined;
  readonly handle: HandleFn;
  /** Set for a batch subscription: called with each batch instead of `handle` per event. */
  readonly batch: BatchHandler | undefined;
  readonly retry: ResolvedRetryPolicy;
  /** Aborted when intake stops (close called): no new attempt of this handler starts. */
  readonly #closing = new AbortController();
  /** Aborted when the drain deadline passes: running handlers are told to stop. */
  readonly #abort = new AbortController();
  /** A message's signal (one per Kafka partition assignment) combined with ours, made once per signal. */
  readonly #handlerSignals = new WeakMap<AbortSignal, AbortSignal>();
  readonly #retrySignals = new WeakMap<AbortSignal, AbortSignal>();
  #inFlight = 0;
  #idle: Array<() => void> = [];
  #closed: Promise<void> | undefined;
  readonly #owner: EntryOwner;

  constructor(
    owner: EntryOwner,
    definition: EventDefinition<unknown> | undefined,
    handle: HandleFn,
    retry: ResolvedRetryPolicy,
    batch?: BatchHandler,
  ) {
    this.#owner = owner;
    this.topic = owner.topic;
    this.group = owner.group;
    this.definition = definition;
    this.type = definition?.type;
    this.handle = handle;
    this.batch = batch;
    this.retry = retry;
  }

  close(options: { readonly drainTimeoutMs?: number } = {}): Promise<void> {
    this.#closed ??= this.#owner.remove(this, options.drainTimeoutMs ?? this.#owner.drainTimeoutMs);
    return this.#closed;
  }

  get closing(): boolean {
    return this.#closing.signal.aborted;
  }

  /** The signal a handler attempt gets: aborted at the drain deadline or when `message` is revoked. */
  handlerSignal(messageSignal: AbortSignal | undefined): AbortSignal {
    return combined(this.#abort.signal, messageSignal, this.#handlerSignals);
  }

  /** Aborted as soon as intake stops or `message` is revoked: a waiting retry gives the event back. */
  retrySignal(messageSignal: AbortSignal | undefined): AbortSignal {
    return combined(this.#closing.signal, messageSignal, this.#retrySignals);
  }

  stopIntake(): void {
    this.#closing.abort();
  }

  abortRunning(drainTimeoutMs: number): void {
    this.stopIntake();
    this.#abort.abort(
      new EventBusError(
        'ABORTED',
        `Subscription ${this.topic}/${this.group} closed: drain deadline of ${drainTimeoutMs} ms passed.`,
      ),
    );
  }

  began(): void {
    this.#inFlight++;
  }

  ended(): void {
    this.#inFlight--;
    if (this.#inFlight === 0 && this.#idle.length > 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Resolves when no event is running in this handler. */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}

function combined(
  own: AbortSignal,
  message: AbortSignal | undefined,
  cache: WeakMap<AbortSignal, AbortSignal>,
): AbortSignal {
  if (message === undefined) return own;
  let signal = cache.get(message);
  if (signal === undefined) {
    // `AbortSignal.any` per event showed in consumer profiles (docs/internals/core-hot-path.md):
    // once per message signal.
    signal = AbortSignal.any([own, message]);
    cache.set(message, signal);
  }
  return signal;
}
