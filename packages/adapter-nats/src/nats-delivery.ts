import type { JsMsg } from '@nats-io/jetstream';
import type { InboundMessage } from '@switchyard/core/transport';
import type { AttemptTracker } from './attempt-tracker.ts';
import { headersOf, keyOf } from './inbound-headers.ts';
import { deliveryNumbers } from './reply-subject.ts';

/** What a delivery asks of the consumer that handed it over. */
export interface DeliveryOwner {
  readonly attempts: AttemptTracker;
  /** Intake is paused or stopping: a plain nak now would come straight back to this instance. */
  readonly holdingBack: boolean;
  /** Takes it out of the unsettled; false when it was settled already. */
  settle(delivery: NatsDelivery): boolean;
  /** Runs `nak` on resume, or after the pull is closed on stop. */
  hold(nak: () => void): void;
}

/**
 * Events given back while intake is paused are nak'd with this small delay, not at once: with an
 * immediate nak right after our pull closed, one event in a few hundred was redelivered into
 * nothing and came back only after ack_wait (seen on nats-server 2.9 and 2.15).
 */
export const HAND_BACK_DELAY_MS = 100;

/**
 * One pulled message as core sees it. One object per event: the settle methods live on the class,
 * not in closures made per message, and the object is also its own link in the owner's list of
 * unsettled events (no Set entry per event). Fewer short-lived objects per event is what keeps
 * V8's young generation, and so the consumer's RSS, small under a high event rate.
 */
export class NatsDelivery implements InboundMessage {
  readonly topic: string;
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly attempt: number;
  readonly sequence: number;
  readonly msg: JsMsg;
  /** When it was handed over (`performance.now()`): leases are extended up to `ackTimeoutMs` after. */
  readonly since: number;
  readonly #deliveryCount: number;
  readonly #owner: DeliveryOwner;
  /** Links in the owner's `UnsettledList`. */
  prev: NatsDelivery | undefined = undefined;
  next: NatsDelivery | undefined = undefined;
  unsettled = false;

  constructor(msg: JsMsg, owner: DeliveryOwner, since: number) {
    this.msg = msg;
    this.#owner = owner;
    this.since = since;
    const headers = headersOf(msg);
    const { sequence, deliveryCount } = deliveryNumbers(msg);
    this.topic = msg.subject;
    this.headers = headers;
    this.key = keyOf(headers);
    this.sequence = sequence;
    this.#deliveryCount = deliveryCount;
    this.attempt = owner.attempts.attemptOf(sequence, deliveryCount);
  }

  get value(): Uint8Array {
    return this.msg.data;
  }

  ack(): void {
    if (!this.#owner.settle(this)) return;
    this.#owner.attempts.settled(this.sequence);
    this.msg.ack();
  }

  nack(options?: { readonly delayMs?: number; readonly nextAttempt?: number }): void {
    const delayMs = options?.delayMs !== undefined && options.delayMs > 0 ? options.delayMs : undefined;
    if (delayMs === undefined && this.#owner.holdingBack && this.unsettled) {
      // Given back while intake is paused (core closing, or full): a nak now would make the
      // server redeliver it at once to this instance's open pull. Held until resume or stop.
      this.#owner.hold(() => this.#nak(options?.nextAttempt, HAND_BACK_DELAY_MS));
      return;
    }
    this.#nak(options?.nextAttempt, delayMs);
  }

  #nak(nextAttempt: number | undefined, delayMs: number | undefined): void {
    if (!this.#owner.settle(this)) return;
    this.#owner.attempts.nacked(this.sequence, this.#deliveryCount, nextAttempt);
    this.msg.nak(delayMs);
  }

  working(): void {
    if (this.unsettled) this.msg.working();
  }
}

/** The unsettled deliveries in hand-over order: a doubly linked list through the deliveries themselves. */
export class UnsettledList {
  #head: NatsDelivery | undefined;
  #tail: NatsDelivery | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(delivery: NatsDelivery): void {
    if (delivery.unsettled) return;
    delivery.unsettled = true;
    delivery.prev = this.#tail;
    delivery.next = undefined;
    if (this.#tail === undefined) this.#head = delivery;
    else this.#tail.next = delivery;
    this.#tail = delivery;
    this.#size++;
  }

  /** False when it was not in the list. */
  delete(delivery: NatsDelivery): boolean {
    if (!delivery.unsettled) return false;
    delivery.unsettled = false;
    const { prev, next } = delivery;
    if (prev === undefined) this.#head = next;
    else prev.next = next;
    if (next === undefined) this.#tail = prev;
    else next.prev = prev;
    delivery.prev = undefined;
    delivery.next = undefined;
    this.#size--;
    return true;
  }

  *[Symbol.iterator](): IterableIterator<NatsDelivery> {
    for (let d = this.#head; d !== undefined; ) {
      const next = d.next; // read first: the caller may settle `d`
      yield d;
      d = next;
    }
  }
}
