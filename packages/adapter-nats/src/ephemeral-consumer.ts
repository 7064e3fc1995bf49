import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import type { ConsumerLag } from '@switchyard/core';
import {
  type ConsumeRequest,
  type ConsumerHandle,
  type InboundMessage,
  waitAtMost,
} from '@switchyard/core/transport';
import { fromNatsHeaders, keyOf } from './inbound-headers.ts';
import { durableNameFor } from './names.ts';

export interface EphemeralConsumerDeps {
  readonly nc: NatsConnection;
  readonly request: ConsumeRequest;
  readonly onMessages: (messages: readonly InboundMessage[]) => void;
  /** Events held while paused before new ones are dropped. */
  readonly bufferLimit: number;
  readonly onDrop: (topic: string) => void;
  /** Longest `stop()` waits for the server to confirm the unsubscribe. @default 5000 */
  readonly stopWaitMs?: number;
}

/**
 * A group on an ephemeral topic: a core NATS queue subscription (members of one group share the
 * events, different groups each get all). At-most-once: the server keeps nothing, so ack is a
 * no-op, `nack` redelivers from this process's memory after the delay, and events that arrive
 * while the subscriber is paused and its buffer is full are dropped and counted.
 */
export class EphemeralConsumer implements ConsumerHandle {
  readonly #deps: EphemeralConsumerDeps;
  readonly #subscription: Subscription;
  readonly #timers = new Set<NodeJS.Timeout>();
  #held: InboundMessage[] = [];
  #batch: InboundMessage[] = [];
  #flushScheduled = false;
  #paused = false;
  #stopped = false;
  dropped = 0;

  constructor(deps: EphemeralConsumerDeps) {
    this.#deps = deps;
    this.#subscription = deps.nc.subscribe(deps.request.topic, {
      queue: durableNameFor(deps.request.group),
      callback: (error, msg) => {
        if (error === null)
          this.#accept(this.#inbound(msg.subject, msg.data, fromNatsHeaders(msg.headers), 1));
      },
    });
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    const held = this.#held;
    this.#held = [];
    for (const message of held) this.#accept(message);
  }

  /** `stop()` gave up waiting for the server: it hangs with the connection open. */
  unanswered = false;

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#held = [];
    this.#batch = [];
    const drained = this.#subscription.drain();
    if (await waitAtMost(drained, this.#deps.stopWaitMs ?? 5_000)) await drained;
    else {
      this.unanswered = true;
      this.#subscription.unsubscribe(); // a server that hangs never confirms: it just ends here
    }
  }

  async lag(): Promise<ConsumerLag> {
    return { total: this.#held.length + this.#batch.length };
  }

  #accept(message: InboundMessage): void {
    if (this.#stopped) return;
    if (this.#paused) {
      if (this.#held.length >= this.#deps.bufferLimit) {
        this.dropped++;
        this.#deps.onDrop(message.topic);
        return;
      }
      this.#held.push(message);
      return;
    }
    this.#batch.push(message);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => {
        this.#flushScheduled = false;
        const batch = this.#batch;
        this.#batch = [];
        if (batch.length > 0 && !this.#stopped) this.#deps.onMessages(batch);
      });
    }
  }

  #inbound(
    topic: string,
    value: Uint8Array,
    headers: Record<string, string>,
    attempt: number,
  ): InboundMessage {
    return {
      topic,
      key: keyOf(headers),
      value,
      headers,
      attempt,
      ack: () => {},
      nack: (options) => {
        if (this.#stopped) return;
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          this.#accept(this.#inbound(topic, value, headers, options?.nextAttempt ?? attempt + 1));
        }, options?.delayMs ?? 0);
        this.#timers.add(timer);
      },
    };
  }
}
