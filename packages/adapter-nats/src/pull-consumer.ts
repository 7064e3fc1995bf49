import type { Consumer, ConsumerMessages, FetchOptions, JsMsg } from '@nats-io/jetstream';
import type { ConsumerLag } from '@switchyard/core';
import {
  type ConsumeRequest,
  type ConsumerHandle,
  type InboundMessage,
  LoopWaker,
  waitAtMost,
} from '@switchyard/core/transport';
import { AttemptTracker } from './attempt-tracker.ts';
import { type DeliveryOwner, NatsDelivery, UnsettledList } from './nats-delivery.ts';

/**
 * Pulled messages go to core in runs of at most this many while nats.js still parses a socket read
 * (the rest in a microtask after it). Handing over a whole read at once kept all its messages alive
 * until the read was parsed; that is what V8's scavenges copied, and their survivors made it grow
 * the young generation to twice the raw client's (consumer RSS +15-25 MB). A scavenge that comes
 * while a run is being collected copies the run's waiting messages: with 8 instead of 16 the
 * consumer's scavenges kept ~13 % fewer bytes per event (bench/README.md, "NATS consumer survivors
 * per event, sixth pass"), while core's per-run work (the handler scope, the tracing check) stays
 * amortised; 4 kept no fewer and cost more per event.
 */
const HAND_OVER_EVERY = 8;

/**
 * A new pull starts once this fraction (1/n) of the prefetch is free. Every pull is a nats.js
 * `fetch` with a subscription, timers and promises of its own that live until it has delivered,
 * long enough to survive a scavenge or two; at a quarter (a pull per 250 events with the default
 * prefetch) they were a quarter of what the consumer's scavenges kept, and those bytes, summed,
 * are what makes V8 double the young generation (bench/README.md, "NATS consumer RSS modes").
 * At a half the next pull still starts while the previous one has half the prefetch to deliver.
 */
const PULL_WHEN_FREE = 2;

export interface PullConsumerDeps {
  readonly request: ConsumeRequest;
  readonly onMessages: (messages: readonly InboundMessage[]) => void;
  /** (Re)creates the stream and the group's consumer; called at start and after a failed pull. */
  readonly ensure: () => Promise<Consumer>;
  /** JetStream `ack_wait`: leases are extended every half of it. */
  readonly leaseMs: number;
  readonly fetchExpiresMs: number;
  readonly onError: (error: unknown) => void;
  /** A round trip to the server (nats.js `flush`). */
  readonly flush?: () => Promise<void>;
  /**
   * Longest `stop()` waits for each step that needs the server (the pulls' close, the round trip
   * after it): a server that hangs with the connection open would otherwise hold a close forever.
   * @default 5000
   */
  readonly stopWaitMs?: number;
}

/** One open pull request: what it still may deliver. */
interface Pull {
  fetch: ConsumerMessages | undefined;
  asked: number;
}

/**
 * One instance's share of a group: pulls from the group's durable consumer with credit-based
 * fetches, so that at most `prefetch` events are handed over and not yet settled. `pause` stops
 * pulling (a fetch in flight still delivers what it asked for); acks free credit and pull more.
 * While an event is unsettled its lease is extended with `working()`, up to `ackTimeoutMs`.
 */
export class PullConsumer implements ConsumerHandle, DeliveryOwner {
  readonly #deps: PullConsumerDeps;
  readonly #unsettled = new UnsettledList();
  readonly attempts = new AttemptTracker();
  readonly #threshold: number;
  #consumer: Consumer | undefined;
  /** Pull requests open at once: a new one starts while earlier ones still deliver (see #run). */
  readonly #pulls = new Set<Pull>();
  /** Events asked for by the open pulls and not delivered yet. */
  #asked = 0;
  /** A pull that ended with an error since the last successful one: the loop backs off, then re-ensures. */
  #failed: unknown;
  #failures = 0;
  #paused = false;
  #stopped = false;
  /** `stop()` gave up waiting for the server: it hangs with the connection open. */
  unanswered = false;
  readonly #waker = new LoopWaker();
  #needsEnsure = false;
  #loop: Promise<void> = Promise.resolve();
  #leaseTimer: NodeJS.Timeout | undefined;
  #batch: NatsDelivery[] = [];
  #flushScheduled = false;
  /** Naks of events given back while paused, sent on resume or after the pull is closed on stop. */
  #held: Array<() => void> = [];
  #pullClosed = false;

  constructor(deps: PullConsumerDeps) {
    this.#deps = deps;
    this.#threshold = Math.max(1, Math.floor(deps.request.prefetch / PULL_WHEN_FREE));
  }

  /** Creates the consumer (errors reach the caller), then pulls in the background. */
  async start(): Promise<void> {
    this.#consumer = await this.#deps.ensure();
    this.#loop = this.#run();
    this.#leaseTimer = setInterval(() => this.#extendLeases(), this.#deps.leaseMs / 2);
    this.#leaseTimer.unref();
  }

  get unsettled(): number {
    return this.#unsettled.size;
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#releaseHeld();
    this.#waker.poke();
  }

  #releaseHeld(): void {
    for (const nak of this.#held.splice(0)) nak();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#leaseTimer);
    this.#waker.poke();
    this.#waker.endSleep();
    // Each wait is bounded, and once one runs out the server is taken as hung and the rest are
    // skipped: what is not given back here comes back to the group after its lease.
    const waitMs = this.#deps.stopWaitMs ?? 5_000;
    let answered = await waitAtMost(this.#loop, waitMs);
    const pulls = [...this.#pulls];
    if (answered)
      answered = await waitAtMost(Promise.all(pulls.map((pull) => this.#closePull(pull))), waitMs);
    else for (const pull of pulls) this.#endPull(pull);
    this.#pullClosed = true;
    // Handed to nobody yet: give them back at once instead of after the lease. With the pull
    // closed, the server redelivers them to the next owner, not back here.
    for (const message of this.#batch.splice(0)) message.nack();
    // A round trip first: the server has then processed our pull's unsubscribe, so it redelivers
    // what we give back to another member's pull, not into ours.
    if (answered && this.#deps.flush !== undefined) answered = await waitAtMost(this.#deps.flush(), waitMs);
    this.unanswered = !answered;
    this.#releaseHeld();
  }

  /**
   * After a reconnect the server may have restarted and forgotten the pull request in flight.
   * nats.js re-pulls by itself but backs off for a whole `expires` when JetStream is not ready yet,
   * so end the fetch and pull afresh once the consumer answers again.
   */
  reconnected(): void {
    this.#needsEnsure = true;
    for (const pull of this.#pulls) void pull.fetch?.close();
  }

  async lag(): Promise<ConsumerLag> {
    const info = await (this.#consumer ?? (await this.#deps.ensure())).info();
    return {
      total: info.num_pending + info.num_ack_pending,
      pending: info.num_pending,
      ackPending: info.num_ack_pending,
      redelivered: info.num_redelivered,
    };
  }

  #credit(): number {
    return this.#deps.request.prefetch - this.#unsettled.size - this.#asked;
  }

  /**
   * Keeps pull requests open for the free credit. A new pull starts once half of the prefetch
   * is free even while earlier pulls still deliver (the server queues them in order), as nats.js's
   * own `consume()` re-pulls at a threshold: waiting for a pull to finish before asking again left
   * a round trip without events after every pull, which showed in end-to-end p99 and throughput.
   */
  async #run(): Promise<void> {
    while (!this.#stopped) {
      if (this.#failed !== undefined) {
        const error = this.#failed;
        this.#failed = undefined;
        this.#deps.onError(error);
        await this.#waker.sleep(Math.min(100 * 2 ** (this.#failures - 1), 5_000));
        this.#needsEnsure = true;
        continue;
      }
      const credit = this.#credit();
      if (this.#paused || credit < this.#threshold || (this.#needsEnsure && this.#pulls.size > 0)) {
        await this.#waker.untilPoked();
        continue;
      }
      try {
        if (this.#needsEnsure) {
          this.#needsEnsure = false;
          this.#consumer = await this.#deps.ensure();
          continue; // the credit may have changed meanwhile
        }
        await this.#pull(credit);
      } catch (error) {
        if (this.#stopped) break;
        this.#failures++;
        this.#failed = error;
      }
    }
  }

  async #pull(credit: number): Promise<void> {
    const pull: Pull = { fetch: undefined, asked: credit };
    this.#asked += credit;
    this.#pulls.add(pull);
    try {
      // A callback instead of the async iterator: no promise per message. nats.js's fetch takes it
      // as consume() does (one implementation), though its FetchOptions type leaves it out.
      pull.fetch = await this.#consumer!.fetch({
        max_messages: credit,
        expires: this.#deps.fetchExpiresMs,
        callback: (msg: JsMsg) => {
          if (pull.asked > 0) {
            pull.asked--;
            this.#asked--;
          }
          this.#receive(msg);
        },
      } as FetchOptions);
    } catch (error) {
      this.#endPull(pull);
      throw error;
    }
    pull.fetch.closed().then(
      (ended) => this.#pullEnded(pull, ended instanceof Error ? ended : undefined),
      (error: unknown) => this.#pullEnded(pull, error),
    );
  }

  #pullEnded(pull: Pull, error: unknown): void {
    this.#endPull(pull);
    if (error === undefined) this.#failures = 0;
    else if (!this.#stopped) {
      this.#failures++;
      this.#failed ??= error;
    }
    this.#waker.poke();
  }

  /** What a pull had asked for and not delivered is credit again. */
  #endPull(pull: Pull): void {
    if (!this.#pulls.delete(pull)) return;
    this.#asked -= pull.asked;
    pull.asked = 0;
  }

  async #closePull(pull: Pull): Promise<void> {
    await pull.fetch?.close();
    await pull.fetch?.closed().catch(() => undefined);
    this.#endPull(pull);
  }

  #receive(msg: JsMsg): void {
    if (this.#stopped) {
      // While our pull is still open a nak would come straight back to it, and be lost with it.
      if (this.#pullClosed) msg.nak();
      else this.#held.push(() => msg.nak());
      return;
    }
    const delivery = new NatsDelivery(msg, this, performance.now());
    this.#unsettled.add(delivery);
    this.#batch.push(delivery);
    if (this.#batch.length >= HAND_OVER_EVERY) {
      this.#flush();
      return;
    }
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      // What is left of a socket read goes to core as soon as that read is parsed: a microtask, not
      // setImmediate, which also waited for the rest of the loop's I/O phase.
      queueMicrotask(this.#flushTask);
    }
  }

  get holdingBack(): boolean {
    return this.#paused || this.#stopped;
  }

  settle(delivery: NatsDelivery): boolean {
    if (!this.#unsettled.delete(delivery)) return false;
    if (this.#credit() >= this.#threshold) this.#waker.poke();
    return true;
  }

  hold(nak: () => void): void {
    this.#held.push(nak);
  }

  readonly #flushTask = (): void => {
    this.#flushScheduled = false;
    this.#flush();
  };

  #flush(): void {
    if (this.#batch.length === 0 || this.#stopped) return;
    const batch = this.#batch;
    this.#batch = [];
    try {
      this.#deps.onMessages(batch);
    } catch (error) {
      this.#deps.onError(error);
    }
  }

  #extendLeases(): void {
    const now = performance.now();
    const limit = this.#deps.request.ackTimeoutMs;
    for (const delivery of this.#unsettled) {
      if (now - delivery.since < limit) delivery.msg.working();
    }
  }
}
