import type { EventBus } from '@switchyard/core';
import { keyOf } from './tally.ts';

/** Type of every event a fault case publishes; `data.n` numbers it, `data.crash` marks the one that crashes a handler. */
export const FAULT_EVENT_TYPE = 'fault.item';

export interface FaultEventData {
  readonly n: number;
  readonly crash?: true;
}

/** Where a publisher reports each publish's outcome, and how long it took to settle. */
export interface PublishSink {
  ack(n: number, at: number): void;
  fail(n: number, error: unknown): void;
  settled(ms: number): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Publishes event `n` (keyed) and reports the outcome; never rejects. */
function publishNumbered(
  bus: EventBus,
  topic: string,
  keys: number,
  sink: PublishSink,
  n: number,
  crash = false,
): Promise<void> {
  const data: FaultEventData = crash ? { n, crash: true } : { n };
  const started = performance.now();
  return bus.publish(topic, { type: FAULT_EVENT_TYPE, data, key: keyOf(n, keys) }).then(
    () => {
      const at = performance.now();
      sink.settled(at - started);
      sink.ack(n, at);
    },
    (error: unknown) => {
      sink.settled(performance.now() - started);
      sink.fail(n, error);
    },
  );
}

abstract class Publisher {
  protected next = 0;
  protected outstanding = 0;
  protected running = false;
  readonly #bus: EventBus;
  readonly #topic: string;
  readonly #keys: number;
  readonly #sink: PublishSink;

  constructor(bus: EventBus, topic: string, keys: number, sink: PublishSink) {
    this.#bus = bus;
    this.#topic = topic;
    this.#keys = keys;
    this.#sink = sink;
  }

  /** Events issued so far (the next event's number). */
  get issued(): number {
    return this.next;
  }

  /** Publishes one more event marked `crash` (the handler that gets it ends its process); resolves with its number. */
  async publishCrash(): Promise<number> {
    const n = this.next++;
    await this.issue(n, true);
    return n;
  }

  protected issue(n: number, crash = false): Promise<void> {
    this.outstanding++;
    return publishNumbered(this.#bus, this.#topic, this.#keys, this.#sink, n, crash).finally(() => {
      this.outstanding--;
    });
  }

  /**
   * Stops issuing; waits up to `settleTimeoutMs` for every publish issued to resolve or reject.
   * Resolves with the publishes still unsettled then: each one is a publish that hangs.
   */
  async stop(settleTimeoutMs: number): Promise<number> {
    this.running = false;
    const deadline = performance.now() + settleTimeoutMs;
    while (this.outstanding > 0 && performance.now() < deadline) await sleep(10);
    return this.outstanding;
  }
}

/**
 * A steady stream the way a request handler publishes: `batch` concurrent publishes, await them
 * all, pause `pauseMs`, repeat. A publish that hangs holds the stream, so stalls show.
 */
export class SteadyPublisher extends Publisher {
  readonly #batch: number;
  readonly #pauseMs: number;

  constructor(
    bus: EventBus,
    topic: string,
    keys: number,
    sink: PublishSink,
    options: { batch?: number; pauseMs?: number } = {},
  ) {
    super(bus, topic, keys, sink);
    this.#batch = options.batch ?? 50;
    this.#pauseMs = options.pauseMs ?? 20;
  }

  start(): void {
    this.running = true;
    void (async () => {
      while (this.running) {
        const batch: Promise<void>[] = [];
        for (let i = 0; i < this.#batch; i++) batch.push(this.issue(this.next++));
        await Promise.all(batch);
        await sleep(this.#pauseMs);
      }
    })();
  }
}

/**
 * Offers `ratePerSecond` events without waiting for their outcomes (a service under constant
 * load): a stalled broker makes publishes pile up in the bus, whose bounds must hold.
 */
export class RatePublisher extends Publisher {
  readonly #ratePerSecond: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(bus: EventBus, topic: string, keys: number, sink: PublishSink, ratePerSecond: number) {
    super(bus, topic, keys, sink);
    this.#ratePerSecond = ratePerSecond;
  }

  /** Publishes issued and not yet settled. */
  get pending(): number {
    return this.outstanding;
  }

  start(): void {
    this.running = true;
    const started = performance.now();
    // A late tick catches up, but by at most 100 ms worth, so a blocked event loop is no burst.
    const maxPerTick = Math.max(1, Math.ceil(this.#ratePerSecond / 10));
    this.#timer = setInterval(() => {
      const due = Math.floor(((performance.now() - started) / 1000) * this.#ratePerSecond) - this.next;
      for (let i = 0; i < Math.min(due, maxPerTick); i++) void this.issue(this.next++);
    }, 10);
  }

  override stop(settleTimeoutMs: number): Promise<number> {
    clearInterval(this.#timer);
    return super.stop(settleTimeoutMs);
  }
}
