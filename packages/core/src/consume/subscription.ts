import type { Context, Span } from '@opentelemetry/api';
import type { EventDefinition } from '../define-event.ts';
import type { EventEnvelope } from '../envelope.ts';
import { configError, EventBusError, isEventBusError } from '../errors.ts';
import { composeConsume, type HandleFn } from '../middleware.ts';
import { DEFAULT_HEALTH_TIMEOUT_MS, errorMessage, withTimeout } from '../observability/health.ts';
import type { BusMetrics } from '../observability/metrics.ts';
import { ProducerContexts } from '../observability/producer-contexts.ts';
import {
  endSpanDeadLettered,
  endSpanWithError,
  followedProducer,
  type HandlerTrace,
  runInContext,
  startDeadLetterSpan,
  startProcessSpan,
} from '../observability/tracing.ts';
import type { ResolvedBusOptions } from '../options.ts';
import type { Publisher } from '../publish/publisher.ts';
import { KeyedScheduler } from '../scheduler/keyed-scheduler.ts';
import type { ConsumerHandle, ConsumerLag, InboundMessage, Transport } from '../transport.ts';
import type {
  EventHandler,
  HandlerContext,
  SubscribeOptions,
  Subscription,
  SubscriptionHealth,
} from '../types.ts';
import { fromWire } from '../wire.ts';
import { abortableSleep } from './abortable-sleep.ts';
import { type DeadLetterReason, deadLetterMessage } from './dead-letter.ts';
import { type ResolvedRetryPolicy, resolveRetryPolicy, retryDelay } from './retry-policy.ts';

interface Delivery {
  readonly message: InboundMessage;
  readonly envelope: EventEnvelope | undefined;
  readonly decodeError: EventBusError | undefined;
  /** The handler's trace when the producer's unsampled context decides it (found on receipt). */
  readonly followed: HandlerTrace | undefined;
  readonly key: string | undefined;
}

export interface SubscriptionDeps {
  readonly transport: Transport;
  readonly publisher: Publisher;
  readonly options: ResolvedBusOptions;
  readonly metrics: BusMetrics;
  readonly onClosed: (subscription: SubscriptionRunner) => void;
}

/**
 * One subscription: takes batches from the transport, decodes them, runs the handler through the
 * keyed scheduler with retry and backoff, dead-letters what cannot be handled, and acks or nacks
 * each event exactly once. Pauses the transport when the scheduler is full.
 */
export class SubscriptionRunner implements Subscription {
  readonly topic: string;
  readonly group: string;
  #state: SubscriptionHealth['state'] = 'running';
  #handle: ConsumerHandle | undefined;
  #lastError: string | undefined;
  #lag: ConsumerLag | undefined;
  #lagRefresh: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  readonly #deps: SubscriptionDeps;
  readonly #definition: EventDefinition<unknown> | undefined;
  readonly #handle$: HandleFn;
  readonly #retry: ResolvedRetryPolicy;
  readonly #deadLetterTopic: string | undefined;
  readonly #scheduler: KeyedScheduler<Delivery>;
  readonly #abort = new AbortController();
  /** Per message signal (a Kafka partition's assignment), the signal a handler gets: closing or revoked. */
  readonly #combined = new WeakMap<AbortSignal, AbortSignal>();
  readonly #prefix: string;
  readonly #options: SubscribeOptions;
  readonly #producers = new ProducerContexts();

  constructor(
    deps: SubscriptionDeps,
    topic: string,
    definition: EventDefinition<unknown> | undefined,
    handler: EventHandler,
    options: SubscribeOptions,
  ) {
    this.#deps = deps;
    this.topic = topic;
    this.group = options.group ?? deps.options.source;
    this.#definition = definition;
    this.#options = options;
    this.#retry = resolveRetryPolicy(options.retry);
    this.#prefix = deps.transport.headerPrefix ?? 'ce_';
    const deadLetter = options.deadLetter ?? true;
    this.#deadLetterTopic =
      deadLetter === false ? undefined : deadLetter === true ? `${topic}.dlq` : deadLetter.topic;
    if (this.#deadLetterTopic !== undefined) deps.publisher.validateTopic(this.#deadLetterTopic);
    const concurrency = options.concurrency ?? 16;
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw configError('concurrency', `must be a whole number >= 1, got ${concurrency}`);
    const prefetch = options.prefetch ?? 1000;
    if (!Number.isInteger(prefetch) || prefetch < 1)
      throw configError('prefetch', `must be a whole number >= 1, got ${prefetch}`);
    const call = handler as HandleFn;
    this.#handle$ =
      deps.options.consumeMiddleware.length === 0
        ? call
        : composeConsume(deps.options.consumeMiddleware, call);
    const ordered = (options.ordering ?? 'key') === 'key';
    this.#scheduler = new KeyedScheduler<Delivery>({
      concurrency,
      highWaterMark: prefetch,
      keyOf: ordered ? (d) => d.key : () => undefined,
      run: (d, done) => this.#process(d, done),
      onSaturated: () => this.#handle?.pause(),
      onDrained: () => {
        if (this.#state === 'running') this.#handle?.resume();
      },
    });
    options.signal?.addEventListener('abort', () => void this.close(), { once: true });
  }

  async start(): Promise<void> {
    const o = this.#options;
    this.#handle = await this.#deps.transport.consume(
      {
        topic: this.topic,
        group: this.group,
        prefetch: o.prefetch ?? 1000,
        startFrom: o.startFrom ?? 'earliest',
        // Core settles every event itself; a broker-side cap would only park one silently when a
        // dead-letter send keeps failing, so the transport is asked never to give up.
        maxDeliveries: Number.POSITIVE_INFINITY,
        ackTimeoutMs: o.ackTimeoutMs ?? 60_000,
      },
      (messages) => this.#receive(messages),
    );
  }

  async health(timeoutMs: number = DEFAULT_HEALTH_TIMEOUT_MS): Promise<SubscriptionHealth> {
    await this.refreshLag(timeoutMs);
    const lag = this.#lag;
    return {
      topic: this.topic,
      group: this.group,
      state: this.#state === 'running' && this.#scheduler.saturated ? 'paused' : this.#state,
      inFlight: this.#scheduler.running,
      queued: this.#scheduler.size - this.#scheduler.running,
      ...(lag === undefined ? {} : { lag: lag.total, lagDetails: lag }),
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
    };
  }

  /** The lag the transport reported last (`health()` and metric collection refresh it). */
  get lastLag(): number | undefined {
    return this.#lag?.total;
  }

  /** Asks the transport for the group's lag, within `timeoutMs`; one question at a time. */
  refreshLag(timeoutMs: number): Promise<void> {
    const handle = this.#handle;
    if (handle?.lag === undefined || this.#state === 'closed') return Promise.resolve();
    this.#lagRefresh ??= withTimeout(handle.lag(), timeoutMs, `The lag of ${this.topic}/${this.group}`)
      .then(
        (lag) => {
          this.#lag = lag;
        },
        (error: unknown) => {
          this.#lag = undefined;
          this.#lastError = errorMessage(error);
        },
      )
      .finally(() => {
        this.#lagRefresh = undefined;
      });
    return this.#lagRefresh;
  }

  close(options: { readonly drainTimeoutMs?: number } = {}): Promise<void> {
    this.#closing ??= this.#close(options.drainTimeoutMs ?? this.#deps.options.drainTimeoutMs);
    return this.#closing;
  }

  async #close(drainTimeoutMs: number): Promise<void> {
    this.#state = 'closing';
    this.#handle?.pause();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), drainTimeoutMs);
    });
    const result = await Promise.race([this.#scheduler.idle().then(() => 'idle' as const), deadline]);
    clearTimeout(timer);
    if (result === 'timeout') {
      // Handlers past the deadline are told to stop; their events stay unacknowledged and come back later.
      this.#abort.abort(
        new EventBusError(
          'ABORTED',
          `Subscription ${this.topic}/${this.group} closed: drain deadline of ${drainTimeoutMs} ms passed.`,
        ),
      );
      await Promise.race([
        this.#scheduler.idle(),
        new Promise((resolve) => setTimeout(resolve, 1_000).unref()),
      ]);
    }
    try {
      await this.#handle?.stop();
    } finally {
      this.#state = 'closed';
      this.#deps.onClosed(this);
    }
  }

  #receive(messages: readonly InboundMessage[]): void {
    const { options } = this.#deps;
    if (!options.tracing) {
      for (const message of messages) this.#accept(message, undefined);
      return;
    }
    // Runs of events whose handlers will run in one context (an unsampled producer context they
    // share) are queued in that context, so the scheduler starts them there and none of them has
    // to enter it (see #start).
    const followed = messages.map((m) =>
      followedProducer(m.headers, options.unsampledParent, this.#producers),
    );
    for (let i = 0; i < messages.length; ) {
      const shared = followed[i]?.context;
      let end = i + 1;
      while (end < messages.length && followed[end]?.context === shared) end++;
      const from = i;
      const acceptRun = () => {
        for (let k = from; k < end; k++) this.#accept(messages[k]!, followed[k]);
      };
      if (shared === undefined) acceptRun();
      else runInContext(shared, acceptRun);
      i = end;
    }
  }

  #accept(message: InboundMessage, followed: HandlerTrace | undefined): void {
    if (this.#state !== 'running') {
      message.nack();
      return;
    }
    let envelope: EventEnvelope | undefined;
    let decodeError: EventBusError | undefined;
    try {
      envelope = fromWire(message, this.#deps.options.codecs, this.#prefix);
    } catch (error) {
      decodeError = isEventBusError(error)
        ? error
        : new EventBusError('DECODE_FAILED', String(error), { cause: error });
    }
    const key = envelope?.key ?? message.key;
    this.#scheduler.submit({ message, envelope, decodeError, followed, key });
  }

  /** Runs one delivery and calls `done(delivery)` once it is settled (acked, nacked or dead-lettered). */
  #process(delivery: Delivery, done: (delivery: Delivery) => void): void {
    const { message } = delivery;
    // Revoked while it waited for its key or a slot: another member owns it now; settling it here
    // would only run it twice.
    if (message.signal?.aborted) {
      done(delivery);
      return;
    }
    if (delivery.envelope === undefined) {
      const dead = this.#deadLetter(
        delivery,
        'decode-failed',
        delivery.decodeError!,
        message.attempt,
        undefined,
      );
      whenSettled(dead, delivery, done);
      return;
    }
    const envelope = delivery.envelope;
    if (this.#definition === undefined) {
      this.#start(delivery, envelope, done);
      return;
    }
    if (envelope.type !== this.#definition.type) {
      message.ack(); // another event type on the same topic: not this subscription's business
      done(delivery);
      return;
    }
    let checked: unknown;
    try {
      checked = this.#definition.validate(envelope.data);
    } catch (error) {
      whenSettled(
        this.#deadLetter(delivery, 'schema-invalid', error, message.attempt, undefined),
        delivery,
        done,
      );
      return;
    }
    if (checked instanceof Promise) {
      checked.then(
        (data: unknown) =>
          this.#start(delivery, data === envelope.data ? envelope : { ...envelope, data }, done),
        (error: unknown) =>
          whenSettled(
            this.#deadLetter(delivery, 'schema-invalid', error, message.attempt, undefined),
            delivery,
            done,
          ),
      );
      return;
    }
    this.#start(delivery, checked === envelope.data ? envelope : { ...envelope, data: checked }, done);
  }

  /** The first attempt, in the event's trace context: synchronous when the handler is. */
  #start(delivery: Delivery, envelope: EventEnvelope, done: (delivery: Delivery) => void): void {
    const { message } = delivery;
    const { options } = this.#deps;
    const traced =
      delivery.followed ??
      (options.tracing
        ? startProcessSpan(
            this.#deps.transport.name,
            this.topic,
            this.group,
            envelope,
            message,
            options.unsampledParent,
            this.#producers,
          )
        : undefined);
    this.#deps.metrics.inFlight(this.topic, this.group, 1);
    const started = this.#deps.metrics.clock();
    if (traced === undefined) {
      this.#attempt(delivery, envelope, undefined, started, done);
      return;
    }
    // The continuation that settles the event is registered in its context too, and so is what the
    // scheduler starts from there: the next event of the same producer context (the rest of a
    // shared `send` span's batch) finds its context already active and enters none (entering an
    // async context costs about 0.3 µs per event on Node 24).
    runInContext(traced.context, () => this.#attempt(delivery, envelope, traced, started, done));
  }

  #attempt(
    delivery: Delivery,
    envelope: EventEnvelope,
    traced: HandlerTrace | undefined,
    started: number,
    done: (delivery: Delivery) => void,
  ): void {
    const { message } = delivery;
    const span = traced?.span;
    let result: unknown;
    try {
      result = this.#handle$(envelope, this.#context(message, message.attempt, span));
    } catch (error) {
      const retried = this.#retryAfter(delivery, envelope, span, traced?.context, message.attempt, error);
      whenSettled(retried, delivery, done);
      return;
    }
    if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
      (result as Promise<void>).then(
        () => {
          try {
            this.#succeeded(message, span, started);
          } catch (error) {
            // An ack that throws is a transport bug; the key must not stall on it.
            this.#reportConsumeError(error, envelope.id);
          }
          done(delivery);
        },
        (error: unknown) => {
          const retried = this.#retryAfter(delivery, envelope, span, traced?.context, message.attempt, error);
          whenSettled(retried, delivery, done);
        },
      );
      return;
    }
    this.#succeeded(message, span, started);
    done(delivery);
  }

  #reportConsumeError(error: unknown, eventId: string): void {
    const err = error instanceof Error ? error : new Error(String(error));
    this.#deps.options.onError(err, { operation: 'consume', topic: this.topic, group: this.group, eventId });
  }

  #invoke(envelope: EventEnvelope, ctx: HandlerContext, context: Context | undefined): unknown {
    return context === undefined
      ? this.#handle$(envelope, ctx)
      : runInContext(context, () => this.#handle$(envelope, ctx));
  }

  #succeeded(message: InboundMessage, span: Span | undefined, started: number): void {
    const { metrics } = this.#deps;
    metrics.consumed(this.topic, this.group, (metrics.clock() - started) / 1000);
    metrics.inFlight(this.topic, this.group, -1);
    message.ack();
    span?.end();
  }

  /** After attempt `failed` threw: back off and try again, hand back to the broker, or dead-letter. */
  async #retryAfter(
    delivery: Delivery,
    envelope: EventEnvelope,
    span: Span | undefined,
    context: Context | undefined,
    failed: number,
    firstError: unknown,
  ): Promise<void> {
    const { message } = delivery;
    const { metrics } = this.#deps;
    // Closing past the drain deadline, or the event revoked from this consumer: stop retrying.
    const stop = message.signal === undefined ? this.#abort.signal : this.#signalFor(message.signal);
    let attempt = failed;
    let error = firstError;
    try {
      for (;;) {
        this.#lastError = error instanceof Error ? error.message : String(error);
        if (stop.aborted) {
          message.nack();
          if (span !== undefined) endSpanWithError(span, error);
          return;
        }
        if (attempt >= this.#retry.attempts) {
          await this.#deadLetter(delivery, 'handler-failed', error, attempt, span);
          return;
        }
        const delay = retryDelay(this.#retry, attempt);
        metrics.retried(this.topic, this.group);
        span?.addEvent('retry', {
          'switchyard.attempt': attempt,
          'switchyard.retry.delay_ms': delay,
          'error.type': errorType(error),
        });
        if (delay > this.#retry.inProcessMaxDelayMs && this.#deps.transport.capabilities.delayedRedelivery) {
          message.nack({ delayMs: delay, nextAttempt: attempt + 1 });
          span?.setAttribute('switchyard.redelivery_delay_ms', delay);
          span?.end();
          return;
        }
        await abortableSleep(delay, stop);
        if (stop.aborted) {
          message.nack();
          span?.end();
          return;
        }
        attempt++;
        const started = metrics.clock();
        try {
          await this.#invoke(envelope, this.#context(message, attempt, span), context);
          metrics.consumed(this.topic, this.group, (metrics.clock() - started) / 1000);
          message.ack();
          span?.end();
          return;
        } catch (next) {
          error = next;
        }
      }
    } finally {
      metrics.inFlight(this.topic, this.group, -1);
    }
  }

  /**
   * Aborted when the subscription closes past its drain deadline or `signal` aborts. Messages share
   * their signal (one per partition assignment), so the combined one is made once per signal, not
   * per event (`AbortSignal.any` was ~5 % of Kafka consumer CPU).
   */
  #signalFor(signal: AbortSignal): AbortSignal {
    let combined = this.#combined.get(signal);
    if (combined === undefined) {
      combined = AbortSignal.any([this.#abort.signal, signal]);
      this.#combined.set(signal, combined);
    }
    return combined;
  }

  #context(message: InboundMessage, attempt: number, span: Span | undefined): HandlerContext {
    const ctx: { -readonly [K in keyof HandlerContext]: HandlerContext[K] } = {
      attempt,
      signal: message.signal === undefined ? this.#abort.signal : this.#signalFor(message.signal),
      topic: this.topic,
      group: this.group,
      span,
    };
    if (message.partition !== undefined) ctx.partition = message.partition;
    if (message.offset !== undefined) ctx.offset = message.offset;
    if (message.sequence !== undefined) ctx.sequence = message.sequence;
    return ctx;
  }

  async #deadLetter(
    delivery: Delivery,
    reason: DeadLetterReason,
    error: unknown,
    attempts: number,
    span: Span | undefined,
  ): Promise<void> {
    const { message } = delivery;
    const { metrics, options, publisher } = this.#deps;
    const eventId = delivery.envelope?.id ?? message.headers[`${this.#prefix}id`];
    const err = error instanceof Error ? error : new Error(String(error));
    span?.addEvent('dead_letter', {
      'switchyard.dead_letter.reason': reason,
      'error.type': errorType(error),
    });
    if (this.#deadLetterTopic === undefined) {
      options.onError(err, {
        operation: 'drop',
        topic: this.topic,
        group: this.group,
        ...(eventId ? { eventId } : {}),
      });
      metrics.deadLettered(this.topic, this.group, `${reason}:dropped`);
      message.ack();
      span?.end();
      return;
    }
    try {
      const dead = deadLetterMessage(message, {
        topic: this.#deadLetterTopic,
        group: this.group,
        reason,
        error: err,
        attempts,
        eventId,
      });
      const deadSpan = options.tracing
        ? startDeadLetterSpan(this.#deps.transport.name, dead.topic, eventId, span, dead.headers)
        : undefined;
      await publisher.sendRaw(dead, deadSpan);
      metrics.deadLettered(this.topic, this.group, reason);
      message.ack();
      if (span !== undefined) endSpanDeadLettered(span, error, reason);
    } catch (sendError) {
      // The event must not be lost: leave it with the broker and try again later.
      const failure = sendError instanceof Error ? sendError : new Error(String(sendError));
      options.onError(failure, {
        operation: 'dead-letter',
        topic: this.topic,
        group: this.group,
        ...(eventId ? { eventId } : {}),
      });
      message.nack({ delayMs: this.#retry.maxDelayMs, nextAttempt: attempts });
      if (span !== undefined) endSpanWithError(span, failure);
    }
  }
}

/** Calls `done(delivery)` when `work` has ended (it handles its own failures). */
function whenSettled(work: Promise<void>, delivery: Delivery, done: (delivery: Delivery) => void): void {
  work.then(
    () => done(delivery),
    () => done(delivery),
  );
}

function errorType(error: unknown): string {
  if (error instanceof EventBusError) return error.code;
  return error instanceof Error ? error.name : typeof error;
}
