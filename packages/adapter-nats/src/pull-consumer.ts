import type { Consumer, ConsumerMessages, FetchOptions, JsMsg } from '@nats-io/jetstream';
import type { ConsumeRequest, ConsumerHandle, ConsumerLag, InboundMessage } from '@switchyard/core';
import { AttemptTracker } from './attempt-tracker.ts';
import { headersOf, keyOf } from './inbound-headers.ts';

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
}

/**
 * Events given back on close are nak'd with this small delay, not at once: with an immediate nak
 * right after our pull closed, one event in a few hundred was redelivered into nothing and came
 * back only after ack_wait (seen on nats-server 2.9 and 2.15).
 */
const HAND_BACK_DELAY_MS = 100;

interface Delivery {
  readonly msg: JsMsg;
  readonly since: number;
}

/**
 * One instance's share of a group: pulls from the group's durable consumer with credit-based
 * fetches, so that at most `prefetch` events are handed over and not yet settled. `pause` stops
 * pulling (a fetch in flight still delivers what it asked for); acks free credit and pull more.
 * While an event is unsettled its lease is extended with `working()`, up to `ackTimeoutMs`.
 */
export class PullConsumer implements ConsumerHandle {
  readonly #deps: PullConsumerDeps;
  readonly #unsettled = new Set<Delivery>();
  readonly #attempts = new AttemptTracker();
  readonly #threshold: number;
  #consumer: Consumer | undefined;
  #fetch: ConsumerMessages | undefined;
  #asked = 0;
  #paused = false;
  #stopped = false;
  #wake: (() => void) | undefined;
  #endSleep: (() => void) | undefined;
  #needsEnsure = false;
  #loop: Promise<void> = Promise.resolve();
  #leaseTimer: NodeJS.Timeout | undefined;
  #batch: InboundMessage[] = [];
  #flushScheduled = false;
  /** Naks of events given back while paused, sent on resume or after the pull is closed on stop. */
  #held: Array<() => void> = [];
  #pullClosed = false;

  constructor(deps: PullConsumerDeps) {
    this.#deps = deps;
    // Pull again once a quarter of the prefetch is free: fewer, fuller pulls under load.
    this.#threshold = Math.max(1, Math.floor(deps.request.prefetch / 4));
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
    this.#poke();
  }

  #releaseHeld(): void {
    for (const nak of this.#held.splice(0)) nak();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#leaseTimer);
    this.#poke();
    this.#endSleep?.();
    await this.#fetch?.close();
    await this.#loop;
    this.#pullClosed = true;
    // Handed to nobody yet: give them back at once instead of after the lease. With the pull
    // closed, the server redelivers them to the next owner, not back here.
    for (const message of this.#batch.splice(0)) message.nack();
    // A round trip first: the server has then processed our pull's unsubscribe, so it redelivers
    // what we give back to another member's pull, not into ours.
    await this.#deps.flush?.().catch(() => undefined);
    this.#releaseHeld();
  }

  /**
   * After a reconnect the server may have restarted and forgotten the pull request in flight.
   * nats.js re-pulls by itself but backs off for a whole `expires` when JetStream is not ready yet,
   * so end the fetch and pull afresh once the consumer answers again.
   */
  reconnected(): void {
    this.#needsEnsure = true;
    void this.#fetch?.close();
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

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopped) {
      const credit = this.#credit();
      if (this.#paused || credit < this.#threshold) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        continue;
      }
      try {
        if (failures > 0 || this.#needsEnsure) {
          this.#needsEnsure = false;
          this.#consumer = await this.#deps.ensure();
        }
        this.#asked = credit;
        // A callback instead of the async iterator: no promise per message. nats.js's fetch takes it
        // as consume() does (one implementation), though its FetchOptions type leaves it out.
        this.#fetch = await this.#consumer!.fetch({
          max_messages: credit,
          expires: this.#deps.fetchExpiresMs,
          callback: this.#onMessage,
        } as FetchOptions);
        const ended = await this.#fetch.closed();
        if (ended instanceof Error) throw ended;
        failures = 0;
      } catch (error) {
        if (this.#stopped) break;
        failures++;
        this.#deps.onError(error);
        await this.#sleep(Math.min(100 * 2 ** (failures - 1), 5_000));
      } finally {
        this.#fetch = undefined;
        this.#asked = 0;
      }
    }
  }

  readonly #onMessage = (msg: JsMsg): void => {
    this.#asked = Math.max(0, this.#asked - 1);
    this.#receive(msg);
  };

  #receive(msg: JsMsg): void {
    if (this.#stopped) {
      // While our pull is still open a nak would come straight back to it, and be lost with it.
      if (this.#pullClosed) msg.nak();
      else this.#held.push(() => msg.nak());
      return;
    }
    const delivery: Delivery = { msg, since: performance.now() };
    this.#unsettled.add(delivery);
    const headers = headersOf(msg);
    const settle = (): boolean => {
      if (!this.#unsettled.delete(delivery)) return false;
      if (this.#credit() >= this.#threshold) this.#poke();
      return true;
    };
    const attempts = this.#attempts;
    this.#batch.push({
      topic: msg.subject,
      key: keyOf(headers),
      value: msg.data,
      headers,
      attempt: attempts.attemptOf(msg.seq, msg.info.deliveryCount),
      sequence: msg.seq,
      ack: () => {
        if (!settle()) return;
        attempts.settled(msg.seq);
        msg.ack();
      },
      nack: (options) => {
        const delayMs = options?.delayMs !== undefined && options.delayMs > 0 ? options.delayMs : undefined;
        if (delayMs === undefined && (this.#paused || this.#stopped) && this.#unsettled.has(delivery)) {
          // Given back while intake is paused (core closing, or full): a nak now would make the
          // server redeliver it at once to this instance's open pull. Held until resume or stop.
          this.#held.push(() => {
            if (!settle()) return;
            attempts.nacked(msg.seq, msg.info.deliveryCount, options?.nextAttempt);
            msg.nak(HAND_BACK_DELAY_MS);
          });
          return;
        }
        if (!settle()) return;
        attempts.nacked(msg.seq, msg.info.deliveryCount, options?.nextAttempt);
        msg.nak(delayMs);
      },
      working: () => {
        if (this.#unsettled.has(delivery)) msg.working();
      },
    });
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      // Everything that arrived in this turn of the event loop goes to core as one batch.
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
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

  #poke(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#endSleep = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
