import type { JetStreamClient } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/nats-core';
import { EventBusError } from '@switchyard/core';
import type { OutboundMessage, SendOutcome } from '@switchyard/core/transport';
import { AckWindow } from './ack-window.ts';
import { toEventBusError } from './map-error.ts';
import type { ResolvedNatsOptions } from './options.ts';
import { publishHeaders } from './publish-headers.ts';
import type { TopicAdmin } from './topic-admin.ts';

/**
 * Pipelined JetStream publishing: every message is sent at once as its own request and settles
 * with its own acknowledgement, while an AckWindow bounds how many await one (backpressure).
 * The event id travels as `Nats-Msg-Id` (last in the header block `publishHeaders` builds), so
 * the stream drops a copy it already stored within its duplicate window — which makes the retries
 * below safe.
 */
export class JetStreamPublisher {
  readonly #js: JetStreamClient;
  readonly #options: ResolvedNatsOptions;
  readonly #topics: TopicAdmin;
  readonly #maxPayload: () => number;
  readonly #window: AckWindow;
  #bytes = 0;
  #idle: Array<() => void> = [];

  constructor(
    js: JetStreamClient,
    options: ResolvedNatsOptions,
    topics: TopicAdmin,
    maxPayload: () => number,
  ) {
    this.#js = js;
    this.#options = options;
    this.#topics = topics;
    this.#maxPayload = maxPayload;
    this.#window = new AckWindow(options.maxPendingAcks);
  }

  /** Publishes sent or waiting for a slot, not yet acknowledged. */
  get pending(): number {
    return this.#window.used + this.#window.waiting;
  }

  get pendingBytes(): number {
    return this.#bytes;
  }

  /** Resolves with the message's outcome; never rejects. */
  async publish(message: OutboundMessage): Promise<SendOutcome> {
    const started = performance.now();
    let headers: MsgHdrs;
    let size: number;
    try {
      ({ headers, size } = publishHeaders(message));
    } catch (error) {
      return failed(toEventBusError(error, { operation: 'publish', topic: message.topic }));
    }
    if (size > this.#maxPayload()) {
      return failed(
        new EventBusError(
          'EVENT_TOO_LARGE',
          `Event ${message.id} on ${message.topic} is ${size} bytes with headers; the server accepts at most ${this.#maxPayload()}.`,
          {
            details: { topic: message.topic, bytes: size, limit: this.#maxPayload() },
          },
        ),
      );
    }
    const slot = this.#window.acquire();
    if (slot !== undefined) await slot;
    this.#bytes += size;
    try {
      return await this.#publishWithRetry(message, headers, started);
    } finally {
      this.#bytes -= size;
      this.#window.release();
      if (this.pending === 0) for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  /** Resolves when nothing awaits an acknowledgement. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async #publishWithRetry(message: OutboundMessage, headers: MsgHdrs, started: number): Promise<SendOutcome> {
    const deadline = started + this.#options.publishTimeoutMs;
    // The first attempt goes out at once, without asking which stream holds the topic: a stream
    // that holds it answers; none answering ("no responders") is the one case that needs the
    // lookup (which creates the stream when autoCreateTopics allows, or says TOPIC_NOT_FOUND).
    // Looking up first cost the first event to a topic a JetStream API round trip, and awaiting
    // the cached lookup split every burst into stages, so no event of a burst left before the
    // whole burst had been through the first stage.
    let lookUp = false;
    let missed = 0; // 1 once the first attempt found no stream: that attempt is not counted
    for (let attempt = 0; ; attempt++) {
      try {
        if (lookUp) await this.#topics.streamFor(message.topic);
        const remaining = deadline - performance.now();
        const ack = await this.#js.publish(message.topic, message.value, {
          headers,
          timeout: Math.max(1, Math.min(this.#options.publishAttemptTimeoutMs, remaining)),
        });
        return { ok: true, receipt: { stream: ack.stream, sequence: ack.seq, duplicate: ack.duplicate } };
      } catch (cause) {
        const error = toEventBusError(cause, { operation: 'publish', topic: message.topic });
        if (error.details.noResponders === true) {
          // Nothing answered on the subject: find (or create) its stream, at once the first time
          // (the lookup is shared by a burst's events); after a lookup, the stream may be gone.
          if (!lookUp) {
            lookUp = true;
            missed = 1;
            continue;
          }
          this.#topics.forget(message.topic);
        }
        lookUp = true;
        const tries = attempt + 1 - missed;
        const pause = Math.min(50 * 2 ** (tries - 1), 1_000);
        if (!error.retriable || performance.now() + pause >= deadline) {
          return failed(tries === 1 ? error : withAttempts(error, tries, this.#options.publishTimeoutMs));
        }
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }
}

function failed(error: EventBusError): SendOutcome {
  return { ok: false, error };
}

function withAttempts(error: EventBusError, attempts: number, timeoutMs: number): EventBusError {
  return new EventBusError(
    error.code,
    `${error.message} (gave up after ${attempts} attempts within publishTimeoutMs ${timeoutMs})`,
    {
      retriable: error.retriable,
      cause: error.cause,
      details: { ...error.details, attempts },
    },
  );
}
