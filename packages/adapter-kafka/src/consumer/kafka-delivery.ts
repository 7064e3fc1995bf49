import type { InboundMessage } from '@switchyard/core/transport';
import type { OffsetTracker } from './offset-tracker.ts';
import type { RetryOrigin } from './retry-topics.ts';

/** What a delivery reports its settlement to: the consumer session that handed it over. */
export interface DeliveryOwner {
  /** Acknowledged (or parked): the offset may be committed once everything before it is. */
  finish(tracker: OffsetTracker, offset: number): void;
  /** Must come back: after `delayMs` (through a retry topic or in-process) with `attempt`. */
  retry(delivery: KafkaDelivery, delayMs: number, attempt: number): void;
}

/**
 * One delivery of one Kafka record to core; settles once. A class rather than an object literal
 * with `ack`/`nack` closures and a separate origin and settlement record: one allocation per event
 * instead of about five, on a path where the garbage collector was the largest single cost.
 */
export class KafkaDelivery implements InboundMessage {
  readonly topic: string;
  readonly key: string | undefined;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  readonly attempt: number;
  readonly signal: AbortSignal;
  readonly partition?: number;
  readonly offset?: string;
  /** The record's key as fetched, for a redelivery or a retry-topic copy. */
  readonly rawKey: Buffer | null;
  readonly tracker: OffsetTracker;
  /** The record's offset in the partition it was fetched from (a retry topic's for a parked event). */
  readonly position: number;
  #settled = false;
  readonly #owner: DeliveryOwner;

  constructor(
    owner: DeliveryOwner,
    tracker: OffsetTracker,
    position: number,
    attempt: number,
    key: Buffer | null,
    value: Buffer | null,
    headers: Readonly<Record<string, string>>,
    topic: string,
    partition: number | undefined,
    offset: string | undefined,
  ) {
    this.#owner = owner;
    this.tracker = tracker;
    this.position = position;
    this.topic = topic;
    if (partition !== undefined) this.partition = partition;
    if (offset !== undefined) this.offset = offset;
    this.rawKey = key;
    this.key = key === null ? undefined : key.toString();
    this.value = value ?? Buffer.alloc(0);
    this.headers = headers;
    this.attempt = attempt;
    this.signal = tracker.revocation.signal;
  }

  /** Where the event was first published (the retry topic's origin headers for a parked event). */
  get origin(): RetryOrigin {
    return { topic: this.topic, partition: this.partition, offset: this.offset };
  }

  ack(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#owner.finish(this.tracker, this.position);
  }

  nack(options?: { readonly delayMs?: number; readonly nextAttempt?: number }): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#owner.retry(this, options?.delayMs ?? 0, options?.nextAttempt ?? this.attempt + 1);
  }

  /** The same record handed over again, unsettled, with `attempt`. */
  again(attempt: number): KafkaDelivery {
    return new KafkaDelivery(
      this.#owner,
      this.tracker,
      this.position,
      attempt,
      this.rawKey,
      this.value,
      this.headers,
      this.topic,
      this.partition,
      this.offset,
    );
  }
}
