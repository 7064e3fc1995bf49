import type { InboundMessage } from '@switchyard/core';
import { type EntryDecoder, KEY_FIELD } from './entry.ts';

/** What a message reports back to the member that handed it over. */
export interface MessageOwner {
  settle(message: RedisMessage, outcome: 'ack' | 'nack', delayMs?: number, nextAttempt?: number): void;
  working(message: RedisMessage): void;
}

/**
 * One delivered stream entry. A class rather than an object of closures: one allocation per
 * event on the consume path, the owner reached through a field.
 */
export class RedisMessage implements InboundMessage {
  readonly topic: string;
  readonly key: string | undefined;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  readonly attempt: number;
  /** The stream entry id (`<ms>-<seq>`). */
  readonly offset: string;
  /** When it was handed over (performance.now()): leases are renewed up to `ackTimeoutMs` from here. */
  since: number;
  /** Acked or nacked (or its lease went to another member): later calls do nothing. */
  settled = false;
  readonly #owner: MessageOwner;

  constructor(
    owner: MessageOwner,
    topic: string,
    id: string,
    headers: Record<string, string>,
    value: Uint8Array,
    attempt: number,
  ) {
    this.#owner = owner;
    this.topic = topic;
    this.offset = id;
    this.headers = headers;
    this.value = value;
    this.key = headers[KEY_FIELD];
    this.attempt = attempt;
    this.since = performance.now();
  }

  /** A delivery of a received entry's fields. */
  static fromFields(
    owner: MessageOwner,
    decoder: EntryDecoder,
    topic: string,
    id: string,
    fields: readonly Buffer[],
    attempt: number,
  ): RedisMessage {
    const { headers, value } = decoder.decode(fields);
    return new RedisMessage(owner, topic, id, headers, value, attempt);
  }

  /** The same entry handed over once more (after a `nack()` without delay), unsettled again. */
  again(): RedisMessage {
    return new RedisMessage(
      this.#owner,
      this.topic,
      this.offset,
      this.headers as Record<string, string>,
      this.value,
      this.attempt,
    );
  }

  ack(): void {
    if (!this.settled) this.#owner.settle(this, 'ack');
  }

  nack(options?: { readonly delayMs?: number; readonly nextAttempt?: number }): void {
    if (!this.settled) this.#owner.settle(this, 'nack', options?.delayMs, options?.nextAttempt);
  }

  working(): void {
    if (!this.settled) this.#owner.working(this);
  }
}
