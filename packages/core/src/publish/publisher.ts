import type { Span } from '@opentelemetry/api';
import type { EventDraft, EventEnvelope } from '../envelope.ts';
import { asError, EventBusError, toEventBusError } from '../errors.ts';
import { composePublish, type PublishFn } from '../middleware.ts';
import type { BusMetrics } from '../observability/metrics.ts';
import { DEFERRED_TRACE_BYTES } from '../observability/shared-send-span.ts';
import { endSpanWithError, publishingOutsideAnyTrace, startSendSpan } from '../observability/tracing.ts';
import type { ResolvedBusOptions } from '../options.ts';
import { validateTopicName } from '../topic-name.ts';
import type { OutboundMessage, Transport } from '../transport.ts';
import type { PublishReceipt } from '../types.ts';
import { type HeaderTally, wireHeaders } from '../wire.ts';
import { BatchReceipts, BatchSlot } from './batch-receipts.ts';
import { envelopeOf } from './envelope-of.ts';
import { encodedSize, Pending, type Recipient } from './pending.ts';
import { Preparing } from './preparing.ts';
import { PublishBuffer } from './publish-buffer.ts';
import { SendQueue } from './send-queue.ts';

/** How the publisher reaches the bus's connection and close state. */
export interface PublisherConnection {
  /** `undefined` when connected; otherwise connects (once) and settles when that ends. */
  readonly ready: () => Promise<void> | undefined;
  /** While closing, publishes are refused unless this says the caller is one of the bus's draining handlers. */
  readonly acceptsWhileClosing: () => boolean;
}

/**
 * Turns drafts into envelopes and wire messages (size limit, buffer room, send span) and queues them
 * for the transport. Every publish made in the same tick travels in one `transport.send` call
 * (see send-queue.ts), so a caller never chooses between a "sync" and an "async" producer: await
 * each for latency, fire many for throughput.
 */
export class Publisher {
  readonly buffer: PublishBuffer;
  readonly #transport: Transport;
  readonly #options: ResolvedBusOptions;
  readonly #prefix: string;
  readonly #publish: PublishFn;
  readonly #hasMiddleware: boolean;
  readonly #validTopics = new Set<string>();
  /** Reused by every publish: `wireHeaders` writes the length of the headers it built here. */
  readonly #headerTally: HeaderTally = { chars: 0 };
  readonly #sendQueue: SendQueue;
  #closing = false;
  /** Close has finished: an event whose schema check or middleware outlasted it is refused. */
  #closed = false;
  /** Accepted events in an asynchronous schema check or publish middleware, which close waits for. */
  readonly #preparing = new Preparing();
  readonly #connection: PublisherConnection;

  constructor(
    transport: Transport,
    options: ResolvedBusOptions,
    metrics: BusMetrics,
    connection: PublisherConnection,
  ) {
    this.#connection = connection;
    this.#transport = transport;
    this.#options = options;
    this.#prefix = transport.headerPrefix ?? 'ce_';
    this.buffer = new PublishBuffer(options.publishBuffer);
    this.#sendQueue = new SendQueue(transport, metrics, this.buffer, () => connection.ready());
    // Without a recipient these always return a promise of the receipt.
    const send: PublishFn = (topic, envelope) =>
      this.#encodeAndQueue(topic, envelope, undefined) as Promise<PublishReceipt>;
    this.#hasMiddleware = options.publishMiddleware.length > 0;
    this.#publish = this.#hasMiddleware ? composePublish(options.publishMiddleware, send) : send;
  }

  /** Publishes made before the first connect finished, waiting for it (they hold buffer room already). */
  get awaitingConnect(): number {
    return this.#sendQueue.awaitingConnect;
  }

  publish(topic: string, draft: EventDraft): Promise<PublishReceipt> {
    return this.#accept(topic, draft, undefined) as Promise<PublishReceipt>;
  }

  /**
   * A publish nobody awaits: `failed` hears of a failure instead of a rejection. Without publish
   * middleware (which works on promises) it makes no promise and no receipt per event.
   */
  emit(topic: string, draft: EventDraft, failed: (error: unknown) => void): void {
    const result = this.#hasMiddleware ? this.publish(topic, draft) : this.#accept(topic, draft, failed);
    result?.catch(failed);
  }

  /**
   * A `publishBatch`: each event goes the way an emit goes (no promise of its own) and settles into
   * its slot, so a batch of 1,000 makes one promise, not 1,000 and their `allSettled` reactions.
   * With publish middleware, which works on promises, each event is a `publish`.
   */
  publishAll(topic: string, drafts: readonly EventDraft[]): Promise<BatchReceipts> {
    // Its length once: code run on the way (a schema, a codec, middleware) could change the array.
    const count = drafts.length;
    const batch = new BatchReceipts(count);
    const failed = (index: number) => (error: unknown) => batch.failed(index, asError(error));
    for (let i = 0; i < count; i++) {
      if (this.#hasMiddleware) {
        this.publish(topic, drafts[i]!).then((receipt) => batch.succeeded(i, receipt), failed(i));
      } else {
        // A promise only when the event failed before it was queued, waits for buffer room or
        // for an asynchronous schema.
        this.#accept(topic, drafts[i]!, new BatchSlot(batch, i))?.then(undefined, failed(i));
      }
    }
    return batch.settled.then(() => batch);
  }

  /**
   * A publish (`recipient` undefined), an emit or an event of a batch; for the last two, `undefined`
   * unless it failed early or waits (for buffer room, or for an asynchronous schema).
   */
  #accept(
    topic: string,
    draft: EventDraft,
    recipient: Recipient,
  ): Promise<PublishReceipt | undefined> | undefined {
    try {
      if (this.#closing && !this.#connection.acceptsWhileClosing())
        throw new EventBusError('CLOSED', `Cannot publish to ${topic}: the event bus is closed.`);
      this.validateTopic(topic);
      const envelope = envelopeOf(draft, this.#options.source, this.#options.codec.contentType);
      const definition = draft.definition;
      if (definition === undefined) return this.#send(topic, envelope, recipient);
      const checked = definition.validate(envelope.data);
      if (checked instanceof Promise)
        return this.#preparing.track(
          checked.then((data) => this.#send(topic, { ...envelope, data }, recipient)),
        );
      return this.#send(
        topic,
        checked === envelope.data ? envelope : { ...envelope, data: checked },
        recipient,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #send(
    topic: string,
    envelope: EventEnvelope,
    recipient: Recipient,
  ): Promise<PublishReceipt | undefined> | undefined {
    if (recipient !== undefined) return this.#encodeAndQueue(topic, envelope, recipient);
    return this.#hasMiddleware
      ? this.#preparing.track(this.#publish(topic, envelope))
      : this.#publish(topic, envelope);
  }

  /** The largest event `publish` accepts: the bus's `maxEventBytes`, capped by the transport's limit. */
  get maxEventBytes(): number {
    return Math.min(this.#options.maxEventBytes, this.#transport.capabilities.maxMessageBytes);
  }

  /** The transport's own limit, which dead letters are held to. */
  get transportMaxBytes(): number {
    return this.#transport.capabilities.maxMessageBytes;
  }

  validateTopic(topic: string): void {
    if (this.#validTopics.has(topic)) return;
    validateTopicName(topic);
    this.#transport.validateTopic?.(topic);
    this.#validTopics.add(topic);
  }

  /**
   * Sends a ready wire message (dead letters), bypassing envelope building and middleware. Only the
   * transport's own size limit applies: a dead letter carries an event the broker already accepted.
   */
  sendRaw(message: OutboundMessage, span?: Span): Promise<PublishReceipt> {
    const pending = new Pending(
      message.topic,
      message.key,
      message.value,
      message.headers as Record<string, string>,
      message.id,
    );
    pending.bytes = encodedSize(pending);
    pending.span = span;
    return this.#queuePending(pending, this.transportMaxBytes, undefined) as Promise<PublishReceipt>;
  }

  /** Refuses publishes from now on (except from the bus's draining handlers). */
  stopAccepting(): void {
    this.#closing = true;
  }

  /**
   * Sends everything accepted so far, connecting first if the bus never connected, and waits until
   * each publish has settled: those waiting for buffer room too, as room frees, and those still in
   * an asynchronous schema check or publish middleware, for up to `preparingTimeoutMs`.
   */
  async close(preparingTimeoutMs: number): Promise<void> {
    this.#closing = true;
    const deadline = Date.now() + preparingTimeoutMs;
    await this.#sendQueue.drain();
    while (this.#preparing.count > 0) {
      if (!(await this.#preparing.idle(Math.max(0, deadline - Date.now())))) break;
      await this.#sendQueue.drain();
    }
    this.#closed = true;
  }

  /** A promise of the receipt; for an emit or a batch's event, `undefined` or a promise of nothing. */
  #encodeAndQueue(
    topic: string,
    envelope: EventEnvelope,
    recipient: Recipient,
  ): Promise<PublishReceipt | undefined> | undefined {
    if (this.#closed)
      return Promise.reject(
        new EventBusError(
          'CLOSED',
          `Cannot publish to ${topic}: the event bus closed before this event's schema check or publish middleware finished (close() waits drainTimeoutMs for them).`,
        ),
      );
    let pending: Pending;
    try {
      const tally = this.#headerTally;
      const headers = wireHeaders(envelope, this.#prefix, this.#transport.nativeKey !== true, tally);
      const chars = tally.chars;
      const value = this.#options.codec.encode(envelope.data);
      pending = new Pending(topic, envelope.key, value, headers, envelope.id);
      pending.bytes = value.byteLength + (envelope.key?.length ?? 0) + chars;
    } catch (error) {
      return Promise.reject(
        toEventBusError(error, 'INVALID_EVENT', `Event ${envelope.type} could not be encoded`),
      );
    }
    const limit = this.maxEventBytes;
    if (!this.#options.tracing) return this.#queuePending(pending, limit, recipient);
    if (this.#options.rootSpans === 'per-send' && publishingOutsideAnyTrace()) {
      pending.deferred = envelope;
      pending.bytes += DEFERRED_TRACE_BYTES;
      return this.#queuePending(pending, limit, recipient);
    }
    const { name } = this.#transport;
    pending.span = startSendSpan(name, topic, envelope, pending.headers, this.#options.unsampledParent);
    pending.bytes = encodedSize(pending); // with the trace context just written
    return this.#queuePending(pending, limit, recipient);
  }

  /** Says whose limit an event is over, and what to change: the bus's `maxEventBytes` or the transport's. */
  #tooLarge(pending: Pending, bytes: number, limit: number): string {
    const said = `Event ${pending.id} is ${bytes} bytes encoded; the limit on ${pending.topic} is ${limit}. `;
    const { name, capabilities } = this.#transport;
    // The transport's limit binds (also when both are the default 1 MiB): raising maxEventBytes would not help.
    if (limit === capabilities.maxMessageBytes)
      return (
        said +
        `The ${name} transport takes at most ${limit} bytes (its ${capabilities.maxMessageBytesSetBy ?? 'maxMessageBytes'}). ` +
        "Store large payloads elsewhere and publish a reference, or raise the transport's limit (within the broker's)."
      );
    return (
      said +
      `Store large payloads elsewhere and publish a reference, or raise maxEventBytes (up to the ${name} transport's ${capabilities.maxMessageBytes}).`
    );
  }

  #queuePending(
    pending: Pending,
    limit: number,
    recipient: Recipient,
  ): Promise<PublishReceipt | undefined> | undefined {
    const { bytes, span } = pending;
    if (bytes > limit) {
      const error = new EventBusError('EVENT_TOO_LARGE', this.#tooLarge(pending, bytes, limit), {
        details: { bytes, limit, topic: pending.topic },
      });
      if (span !== undefined) endSpanWithError(span, error);
      return Promise.reject(error);
    }
    const wait = this.buffer.reserve(bytes);
    if (wait === undefined) return this.#sendQueue.enqueue(pending, recipient);
    return wait.then(
      () => this.#sendQueue.enqueue(pending, recipient),
      (error: Error) => {
        if (span !== undefined) endSpanWithError(span, error);
        throw error;
      },
    );
  }
}
