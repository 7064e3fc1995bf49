import type { Span } from '@opentelemetry/api';
import type { EventDraft, EventEnvelope } from '../envelope.ts';
import { EventBusError, toEventBusError } from '../errors.ts';
import { composePublish, type PublishFn } from '../middleware.ts';
import type { BusMetrics } from '../observability/metrics.ts';
import { DEFERRED_TRACE_BYTES } from '../observability/shared-send-span.ts';
import {
  endSendSpan,
  endSpanWithError,
  publishingOutsideAnyTrace,
  startSendSpan,
} from '../observability/tracing.ts';
import type { ResolvedBusOptions } from '../options.ts';
import { validateTopicName } from '../topic-name.ts';
import type { OutboundMessage, SendOutcome, Transport } from '../transport.ts';
import type { PublishReceipt } from '../types.ts';
import { type HeaderTally, wireHeaders } from '../wire.ts';
import { envelopeOf } from './envelope-of.ts';
import { encodedSize, ignoreReceipt, Pending, toReceipt } from './pending.ts';
import { PublishBuffer } from './publish-buffer.ts';
import { startSharedSpans } from './shared-spans.ts';

/** How the publisher reaches the bus's connection and close state. */
export interface PublisherConnection {
  /** `undefined` when connected; otherwise connects (once) and settles when that ends. */
  readonly ready: () => Promise<void> | undefined;
  /** While closing, publishes are refused unless this says the caller is one of the bus's draining handlers. */
  readonly acceptsWhileClosing: () => boolean;
}

/**
 * A tick's publishes leave in sends of about this many encoded bytes: a large burst starts
 * travelling while the caller still builds its later events (1,500 publishes take milliseconds to
 * build), as a client library's own write buffer would send it. 64 KiB is a few of Kafka's default
 * batches and far fewer sends than events.
 */
const SEND_CHUNK_BYTES = 64 * 1024;

/**
 * A burst's first send leaves once this many encoded bytes are queued (about a dozen small
 * events), so the first events are on the wire while the caller builds the rest instead of after
 * the first 64 KiB: a subscriber sees the burst begin in ~1 ms rather than when a fifth of it is
 * built. A tick smaller than this still travels in one send.
 */
const FIRST_SEND_BYTES = 4 * 1024;

/**
 * Turns drafts into envelopes and wire messages, and hands them to the transport. Every publish
 * made in the same tick travels in one `transport.send` call (its first ~4 KiB at once, then sends of up to ~64 KiB, when a
 * tick publishes more), so a caller never chooses between a "sync" and an "async" producer: await
 * each for latency, fire many for throughput.
 */
export class Publisher {
  readonly buffer: PublishBuffer;
  readonly #transport: Transport;
  readonly #options: ResolvedBusOptions;
  readonly #metrics: BusMetrics;
  readonly #prefix: string;
  readonly #publish: PublishFn;
  readonly #hasMiddleware: boolean;
  readonly #validTopics = new Set<string>();
  /** Reused by every publish: `wireHeaders` writes the length of the headers it built here. */
  readonly #headerTally: HeaderTally = { chars: 0 };
  #queue: Pending[] = [];
  /** Encoded bytes of the events in `#queue`. */
  #queuedBytes = 0;
  /** Events in `#queue` waiting for a shared `send` span. */
  #deferredQueued = 0;
  #flushScheduled = false;
  /** Bytes queued that make this tick's next send leave now: FIRST_SEND_BYTES, then SEND_CHUNK_BYTES. */
  #sendAtBytes = FIRST_SEND_BYTES;
  /**
   * Sends not settled yet, and who waits for there to be none (close). A count, not a Set of the
   * sends' promises: a Set swinging between empty and a few entries at every send rehashes its
   * table, and V8 links each dropped table to the next, so once one had been promoted to the old
   * generation every later table, with its sends' batches, survived the young-generation
   * collections until the next full one (the NATS producer at 10,000 events/s: ~1.4 KB per event
   * surviving, new space grown to 4x, scavenges of 10-45 ms).
   */
  #inFlightSends = 0;
  #noSendsInFlight: Array<() => void> = [];
  #closing = false;

  readonly #connection: PublisherConnection;
  /** Events in sends that wait for the transport's first connect. */
  #awaitingConnect = 0;

  constructor(
    transport: Transport,
    options: ResolvedBusOptions,
    metrics: BusMetrics,
    connection: PublisherConnection,
  ) {
    this.#connection = connection;
    this.#transport = transport;
    this.#options = options;
    this.#metrics = metrics;
    this.#prefix = transport.headerPrefix ?? 'ce_';
    this.buffer = new PublishBuffer(options.publishBuffer);
    // Without `emitted` these always return a promise of the receipt.
    const send: PublishFn = (topic, envelope) =>
      this.#encodeAndQueue(topic, envelope, undefined) as Promise<PublishReceipt>;
    this.#hasMiddleware = options.publishMiddleware.length > 0;
    this.#publish = this.#hasMiddleware ? composePublish(options.publishMiddleware, send) : send;
  }

  /** Publishes made before the first connect finished, waiting for it (they hold buffer room already). */
  get awaitingConnect(): number {
    return this.#awaitingConnect;
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

  /** A publish (`emitted` undefined) or an emit; for an emit, `undefined` unless it failed early. */
  #accept(
    topic: string,
    draft: EventDraft,
    emitted: ((error: Error) => void) | undefined,
  ): Promise<PublishReceipt | undefined> | undefined {
    try {
      if (this.#closing && !this.#connection.acceptsWhileClosing())
        throw new EventBusError('CLOSED', `Cannot publish to ${topic}: the event bus is closed.`);
      this.validateTopic(topic);
      const envelope = envelopeOf(draft, this.#options.source, this.#options.codec.contentType);
      const definition = draft.definition;
      if (definition === undefined) return this.#send(topic, envelope, emitted);
      const checked = definition.validate(envelope.data);
      if (checked instanceof Promise)
        return checked.then((data) => this.#send(topic, { ...envelope, data }, emitted));
      return this.#send(
        topic,
        checked === envelope.data ? envelope : { ...envelope, data: checked },
        emitted,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #send(
    topic: string,
    envelope: EventEnvelope,
    emitted: ((error: Error) => void) | undefined,
  ): Promise<PublishReceipt | undefined> | undefined {
    return emitted === undefined
      ? this.#publish(topic, envelope)
      : this.#encodeAndQueue(topic, envelope, emitted);
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
   * each publish has settled: those waiting for buffer room too, as room frees.
   */
  async close(): Promise<void> {
    this.#closing = true;
    for (;;) {
      this.#flush();
      if (this.#inFlightSends > 0) await new Promise<void>((resolve) => this.#noSendsInFlight.push(resolve));
      else if (this.buffer.waiting > 0 || this.#queue.length > 0)
        await new Promise((resolve) => setImmediate(resolve)); // room was just freed: let them in
      else return;
    }
  }

  /** A promise of the receipt; for an emit (`emitted`), `undefined` or a promise that can only reject. */
  #encodeAndQueue(
    topic: string,
    envelope: EventEnvelope,
    emitted: ((error: Error) => void) | undefined,
  ): Promise<PublishReceipt | undefined> | undefined {
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
    if (!this.#options.tracing) return this.#queuePending(pending, limit, emitted);
    if (this.#options.rootSpans === 'per-send' && publishingOutsideAnyTrace()) {
      pending.deferred = envelope;
      pending.bytes += DEFERRED_TRACE_BYTES;
      return this.#queuePending(pending, limit, emitted);
    }
    const { name } = this.#transport;
    pending.span = startSendSpan(name, topic, envelope, pending.headers, this.#options.unsampledParent);
    pending.bytes = encodedSize(pending); // with the trace context just written
    return this.#queuePending(pending, limit, emitted);
  }

  #queuePending(
    pending: Pending,
    limit: number,
    emitted: ((error: Error) => void) | undefined,
  ): Promise<PublishReceipt | undefined> | undefined {
    const { bytes, span } = pending;
    if (bytes > limit) {
      const error = new EventBusError(
        'EVENT_TOO_LARGE',
        `Event ${pending.id} is ${bytes} bytes encoded; the limit on ${pending.topic} is ${limit}. ` +
          'Store large payloads elsewhere and publish a reference, or raise maxEventBytes (within the broker limit).',
        { details: { bytes, limit, topic: pending.topic } },
      );
      if (span !== undefined) endSpanWithError(span, error);
      return Promise.reject(error);
    }
    const wait = this.buffer.reserve(bytes);
    if (wait === undefined) return this.#enqueue(pending, emitted);
    return wait.then(
      () => this.#enqueue(pending, emitted),
      (error: Error) => {
        if (span !== undefined) endSpanWithError(span, error);
        throw error;
      },
    );
  }

  #enqueue(
    pending: Pending,
    emitted: ((error: Error) => void) | undefined,
  ): Promise<PublishReceipt> | undefined {
    let promise: Promise<PublishReceipt> | undefined;
    if (emitted === undefined) {
      const resolvers = Promise.withResolvers<PublishReceipt>();
      promise = resolvers.promise;
      pending.resolve = resolvers.resolve;
      pending.reject = resolvers.reject;
    } else pending.reject = emitted;
    pending.started = this.#metrics.clock();
    this.#queue.push(pending);
    if (pending.deferred !== undefined) this.#deferredQueued++;
    this.#queuedBytes += pending.bytes;
    // Not while sends wait for the first connect: theirs leave a microtask after it, and a send
    // made in between would overtake them.
    if (this.#queuedBytes >= this.#sendAtBytes && this.#awaitingConnect === 0) {
      this.#sendAtBytes = SEND_CHUNK_BYTES;
      this.#flush();
    }
    // The tick's end sends what is left, and starts the next tick at the first threshold.
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(this.#flushTask);
    }
    return promise;
  }

  /** The end of a tick; the only place that clears `#flushScheduled`, so one task runs per tick. */
  readonly #flushTask = (): void => {
    this.#flushScheduled = false;
    this.#sendAtBytes = FIRST_SEND_BYTES;
    this.#flush();
  };

  #flush(): void {
    if (this.#queue.length === 0) return;
    const batch = this.#queue;
    this.#queue = [];
    this.#queuedBytes = 0;
    if (this.#deferredQueued > 0) {
      this.#deferredQueued = 0;
      startSharedSpans(batch, this.#transport.name);
    }
    let sending: Promise<void>;
    // Each publish settles as soon as the transport knows its outcome, not with the slowest of the tick.
    const onOutcome = (index: number, outcome: SendOutcome): void => {
      const pending = batch[index];
      if (pending !== undefined && !pending.done) this.#settleOne(pending, outcome, this.#metrics.clock());
    };
    const send = (): Promise<void> => {
      try {
        return this.#transport.send(batch, onOutcome).then(
          (outcomes) => this.#settle(batch, outcomes),
          (error: unknown) => this.#failAll(batch, error),
        );
      } catch (error) {
        return Promise.resolve(this.#failAll(batch, error));
      }
    };
    const connecting = this.#connection.ready();
    if (connecting === undefined) sending = send();
    else {
      // Accepted before the first connect: they leave once it is done (close waits for that too).
      this.#awaitingConnect += batch.length;
      sending = connecting.then(
        () => {
          this.#awaitingConnect -= batch.length;
          return send();
        },
        (error: unknown) => {
          this.#awaitingConnect -= batch.length;
          this.#failAll(batch, error);
        },
      );
    }
    this.#inFlightSends++;
    sending.then(this.#sendEnded, this.#sendEnded);
  }

  readonly #sendEnded = (): void => {
    if (--this.#inFlightSends > 0 || this.#noSendsInFlight.length === 0) return;
    const waiters = this.#noSendsInFlight;
    this.#noSendsInFlight = [];
    for (const resolve of waiters) resolve();
  };

  #settle(batch: Pending[], outcomes: readonly SendOutcome[]): void {
    const now = this.#metrics.clock();
    for (let i = 0; i < batch.length; i++) {
      const pending = batch[i]!;
      if (pending.done) continue;
      const outcome: SendOutcome = outcomes[i] ?? {
        ok: false,
        error: new EventBusError(
          'INTERNAL',
          `The ${this.#transport.name} transport returned no outcome for event ${pending.id}.`,
        ),
      };
      this.#settleOne(pending, outcome, now);
    }
  }

  #settleOne(pending: Pending, outcome: SendOutcome, now: number): void {
    pending.done = true;
    this.buffer.release(pending.bytes);
    if (outcome.ok) {
      this.#metrics.sent(pending.topic, 1, (now - pending.started) / 1000);
      if (pending.span !== undefined) endSendSpan(pending.span, this.#transport.name, outcome.receipt);
      else pending.shared?.succeeded(outcome.receipt);
      if (pending.resolve !== ignoreReceipt) pending.resolve(toReceipt(pending, outcome.receipt));
    } else {
      this.#fail(pending, outcome.error);
    }
  }

  #failAll(batch: Pending[], error: unknown): void {
    const mapped = toEventBusError(
      error,
      'PUBLISH_FAILED',
      `The ${this.#transport.name} transport failed to send`,
      true,
    );
    for (const pending of batch) {
      if (pending.done) continue;
      pending.done = true;
      this.buffer.release(pending.bytes);
      this.#fail(pending, mapped);
    }
  }

  #fail(pending: Pending, error: EventBusError): void {
    this.#metrics.publishFailed(pending.topic, error.code);
    if (pending.span !== undefined) endSpanWithError(pending.span, error);
    else pending.shared?.failed(error);
    pending.reject(error);
  }
}
