import { assertSameConsumer, checkSubscribeKeys, consumerSettings } from './consume/consumer-settings.ts';
import { insideHandlerOf } from './consume/handler-scope.ts';
import { resolveRetryPolicy } from './consume/retry-policy.ts';
import { TopicConsumer } from './consume/topic-consumer.ts';
import type { EventDefinition } from './define-event.ts';
import type { EventDraft } from './envelope.ts';
import { asError, EventBusError, isEventBusError, toEventBusError } from './errors.ts';
import { memoryTransport } from './memory/memory-transport.ts';
import { DEFAULT_HEALTH_TIMEOUT_MS, errorMessage, withTimeout } from './observability/health.ts';
import { BusMetrics } from './observability/metrics.ts';
import { beginBatch, endBatch, runInContext } from './observability/tracing.ts';
import { type EventBusOptions, resolveBusOptions } from './options.ts';
import { OverflowReport } from './publish/overflow-report.ts';
import { Publisher } from './publish/publisher.ts';
import type { TopicSpec, Transport, TransportHealth } from './transport.ts';
import type {
  BatchHandler,
  BatchOptions,
  BusHealth,
  EventBus,
  EventHandler,
  PublishReceipt,
  SubscribeBatchOptions,
  SubscribeOptions,
  Subscription,
} from './types.ts';

/**
 * Creates an event bus over a transport (in-memory by default). The transport connects lazily on
 * first use; `ready()`-style waiting is not needed: publishes made before the connection is up are
 * held (in the bounded publish buffer) and sent once it is, and fail with the connection error if
 * it cannot be made; `subscribe` awaits it.
 */
export function createEventBus(options: EventBusOptions): EventBus {
  return new SwitchyardBus(options);
}

class SwitchyardBus implements EventBus {
  readonly source: string;
  readonly #transport: Transport;
  readonly #options: ReturnType<typeof resolveBusOptions>;
  readonly #metrics: BusMetrics;
  readonly #publisher: Publisher;
  /** Consumers taking new subscriptions, by group and topic. */
  readonly #consumers = new Map<string, { consumer: TopicConsumer; started: Promise<void> }>();
  /** Every consumer not yet closed (closing ones too): health and close see them all. */
  readonly #live = new Set<TopicConsumer>();
  /** Emits refused by a full buffer: reported once, then summarised once a second. */
  readonly #overflow = new OverflowReport((error, topic) => this.#reportEmitFailure(error, topic, undefined));
  #connecting: Promise<void> | undefined;
  /** A connect was asked for (it may have failed): close() closes the transport then. */
  #connectAsked = false;
  #connected = false;
  #closing: Promise<void> | undefined;
  #lastError: string | undefined;

  constructor(options: EventBusOptions) {
    this.#transport = options.transport ?? memoryTransport();
    this.#options = resolveBusOptions(options);
    this.source = this.#options.source;
    this.#metrics = new BusMetrics(this.#transport.name);
    this.#publisher = new Publisher(this.#transport, this.#options, this.#metrics, {
      ready: () => (this.#connected ? undefined : this.#connect()),
      acceptsWhileClosing: () => insideHandlerOf(this),
    });
    this.#observeGauges();
  }

  get capabilities() {
    return this.#transport.capabilities;
  }

  async connect(): Promise<void> {
    if (this.#closing)
      throw new EventBusError('CLOSED', 'Cannot connect: the event bus is closed. Create a new one.');
    if (!this.#connected) await this.#connect();
  }

  publish<TData>(topic: string, event: EventDraft<TData>): Promise<PublishReceipt> {
    return this.#publisher.publish(topic, event);
  }

  async publishBatch(topic: string, events: readonly EventDraft[]): Promise<PublishReceipt[]> {
    if (!Array.isArray(events))
      throw new EventBusError('INVALID_EVENT', 'publishBatch needs an array of events.');
    // Traced, each event gets a `create` span and the batch one `send` span linked to all of them.
    const traced = this.#options.tracing ? beginBatch() : undefined;
    const publishAll = () => this.#publisher.publishAll(topic, events);
    const { receipts, failures } = await (traced === undefined
      ? publishAll()
      : runInContext(traced.context, publishAll));
    if (traced !== undefined)
      endBatch(traced, this.#transport.name, topic, events.length, failures[0]?.error);
    if (failures.length === 0) return receipts as PublishReceipt[];
    const first = failures[0]!.error;
    throw new EventBusError(
      first instanceof EventBusError ? first.code : 'PUBLISH_FAILED',
      `${failures.length} of ${events.length} events were not published to ${topic}; first error: ${first.message}`,
      {
        retriable: failures.every((f) => f.error instanceof EventBusError && f.error.retriable),
        cause: first,
        details: { failures, receipts },
      },
    );
  }

  emit<TData>(topic: string, event: EventDraft<TData>): void {
    this.#publisher.emit(topic, event, (error: unknown) => {
      const err = asError(error);
      this.#lastError = err.message;
      if (isEventBusError(err, 'BUFFER_FULL')) this.#overflow.note(err, topic);
      else this.#reportEmitFailure(err, topic, event?.id);
    });
  }

  #reportEmitFailure(error: Error, topic: string, eventId: string | undefined): void {
    this.#options.onError(error, { operation: 'emit', topic, ...(eventId ? { eventId } : {}) });
  }

  subscribe(topic: string, handler: EventHandler, options?: SubscribeOptions): Promise<Subscription>;
  subscribe<TData>(
    topic: string,
    event: EventDefinition<TData>,
    handler: EventHandler<TData>,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  subscribe(
    topic: string,
    handlerOrEvent: EventHandler | EventDefinition<unknown>,
    handlerOrOptions?: EventHandler | SubscribeOptions,
    maybeOptions?: SubscribeOptions,
  ): Promise<Subscription> {
    return this.#subscribe('subscribe', topic, handlerOrEvent, handlerOrOptions, maybeOptions);
  }

  subscribeBatch(
    topic: string,
    handler: BatchHandler,
    options?: SubscribeBatchOptions,
  ): Promise<Subscription>;
  subscribeBatch<TData>(
    topic: string,
    event: EventDefinition<TData>,
    handler: BatchHandler<TData>,
    options?: SubscribeBatchOptions,
  ): Promise<Subscription>;
  subscribeBatch(
    topic: string,
    handlerOrEvent: BatchHandler | EventDefinition<unknown>,
    handlerOrOptions?: BatchHandler | SubscribeBatchOptions,
    maybeOptions?: SubscribeBatchOptions,
  ): Promise<Subscription> {
    return this.#subscribe('subscribeBatch', topic, handlerOrEvent, handlerOrOptions, maybeOptions);
  }

  async #subscribe(
    method: 'subscribe' | 'subscribeBatch',
    topic: string,
    handlerOrEvent: EventHandler | BatchHandler | EventDefinition<unknown>,
    handlerOrOptions?: EventHandler | BatchHandler | SubscribeBatchOptions,
    maybeOptions?: SubscribeBatchOptions,
  ): Promise<Subscription> {
    if (this.#closing)
      throw new EventBusError('CLOSED', `Cannot subscribe to ${topic}: the event bus is closed.`);
    const typed = typeof handlerOrOptions === 'function';
    const definition = typed ? (handlerOrEvent as EventDefinition<unknown>) : undefined;
    const handler = (typed ? handlerOrOptions : handlerOrEvent) as EventHandler | BatchHandler;
    const options = (typed ? maybeOptions : (handlerOrOptions as SubscribeBatchOptions | undefined)) ?? {};
    if (typeof handler !== 'function')
      throw new EventBusError('INVALID_CONFIG', `${method} needs a handler function.`);
    if (definition !== undefined && typeof definition.type !== 'string') {
      throw new EventBusError(
        'INVALID_CONFIG',
        `${method}(topic, event, handler): \`event\` must come from defineEvent().`,
      );
    }
    this.#publisher.validateTopic(topic);
    checkSubscribeKeys(options, method === 'subscribeBatch');
    const caps = this.#transport.capabilities;
    if (options.group !== undefined && !caps.consumerGroups) {
      throw new EventBusError(
        'UNSUPPORTED',
        `The ${this.#transport.name} transport has no consumer groups; drop the \`group\` option.`,
      );
    }
    const group = options.group ?? this.source;
    const retry = resolveRetryPolicy(options.retry);
    const batch = method === 'subscribeBatch' ? (options.batch ?? {}) : undefined;
    const { consumer, started } = this.#consumerFor(topic, group, options, batch);
    const entry = consumer.add(definition, handler, retry);
    try {
      await started;
    } catch (error) {
      void entry.close({ drainTimeoutMs: 0 });
      throw error;
    }
    options.signal?.addEventListener('abort', () => void entry.close(), { once: true });
    return entry;
  }

  /** The consumer of `group` on `topic`: the running one (its settings must agree), or a new one. */
  #consumerFor(
    topic: string,
    group: string,
    options: SubscribeOptions,
    batch: BatchOptions | undefined,
  ): { consumer: TopicConsumer; started: Promise<void> } {
    const key = `${group}\u0000${topic}`;
    const running = this.#consumers.get(key);
    if (running !== undefined) {
      assertSameConsumer(running.consumer.settings, topic, group, options, batch);
      return running;
    }
    const settings = consumerSettings(topic, options, batch);
    if (settings.deadLetterTopic !== undefined) this.#publisher.validateTopic(settings.deadLetterTopic);
    const consumer = new TopicConsumer(
      {
        transport: this.#transport,
        publisher: this.#publisher,
        options: this.#options,
        metrics: this.#metrics,
        bus: this,
        onClosing: (c) => {
          if (this.#consumers.get(key)?.consumer === c) this.#consumers.delete(key);
        },
        onClosed: (c) => this.#live.delete(c),
      },
      topic,
      group,
      settings,
    );
    const started = this.#connect().then(() => consumer.start());
    const entry = { consumer, started };
    this.#consumers.set(key, entry);
    this.#live.add(consumer);
    started.catch(() => {
      if (this.#consumers.get(key) === entry) this.#consumers.delete(key);
      this.#live.delete(consumer);
    });
    return entry;
  }

  async ensureTopic(
    spec: Omit<TopicSpec, 'strategy'> & { readonly strategy?: TopicSpec['strategy'] },
  ): Promise<void> {
    if (this.#closing)
      throw new EventBusError('CLOSED', `Cannot ensure topic ${spec.name}: the event bus is closed.`);
    this.#publisher.validateTopic(spec.name);
    const strategy = spec.strategy ?? 'create-or-update';
    if (strategy === 'skip') return;
    await this.#connect();
    if (this.#transport.ensureTopic === undefined) {
      if (strategy === 'validate-only') return;
      return; // transports without topic admin create topics on first use
    }
    await this.#transport.ensureTopic({ ...spec, strategy });
  }

  async health(options: { readonly timeoutMs?: number } = {}): Promise<BusHealth> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
    const [transport, subscriptions] = await Promise.all([
      withTimeout(
        this.#transport.health(),
        timeoutMs,
        `The ${this.#transport.name} transport's health`,
      ).catch(
        (error: unknown): TransportHealth => ({ state: 'disconnected', lastError: errorMessage(error) }),
      ),
      Promise.all([...this.#live].map((s) => s.health(timeoutMs))),
    ]);
    const buffer = this.#publisher.buffer;
    return {
      ok:
        transport.state === 'connected' &&
        !this.#closing &&
        subscriptions.every((s) => s.state === 'running' || s.state === 'paused'),
      checkedAt: new Date().toISOString(),
      transport: { name: this.#transport.name, ...transport },
      publishBuffer: {
        messages: buffer.messages,
        bytes: buffer.bytes,
        maxMessages: buffer.maxMessages,
        maxBytes: buffer.maxBytes,
        waiting: buffer.waiting,
        waitingBytes: buffer.waitingBytes,
        maxWaitingMessages: buffer.maxWaitingMessages,
        maxWaitingBytes: buffer.maxWaitingBytes,
        awaitingConnect: this.#publisher.awaitingConnect,
      },
      subscriptions,
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
    };
  }

  close(options: { readonly drainTimeoutMs?: number } = {}): Promise<void> {
    if (this.#closing === undefined) {
      // Synchronously: a publish made after close() was called is refused (except by a draining handler).
      this.#publisher.stopAccepting();
      this.#closing = this.#close(options.drainTimeoutMs ?? this.#options.drainTimeoutMs);
    }
    return this.#closing;
  }

  /**
   * Consumers first (intake stops, handlers drain; their follow-up publishes and dead letters still
   * go out), then every publish accepted before close is sent, connecting first if needed.
   */
  async #close(drainTimeoutMs: number): Promise<void> {
    try {
      await Promise.all([...this.#live].map((s) => s.close({ drainTimeoutMs })));
      await this.#publisher.close(drainTimeoutMs);
      // Also after a connect that failed: the client may hold sockets and reconnect timers.
      if (this.#connectAsked) {
        await this.#connecting?.catch(() => undefined);
        await this.#closeTransport();
      }
    } finally {
      this.#overflow.flush();
      this.#options.consoleReporter?.flush();
      this.#metrics.stopObserving();
    }
  }

  /**
   * A transport that cannot say goodbye (the broker is gone) must not make `close()` reject: a
   * shutdown hook would never finish. What it could not do goes to `onError` and health instead;
   * publishes it could not send have already rejected (emits were reported).
   */
  async #closeTransport(): Promise<void> {
    try {
      await this.#transport.close();
    } catch (error) {
      const err = asError(error);
      this.#lastError = err.message;
      this.#options.onError(err, { operation: 'close' });
    }
  }

  /** Gauges read at collection time: publish buffer depth and consumer lag (as last reported). */
  #observeGauges(): void {
    const system = { 'messaging.system': this.#transport.name };
    const unit = '{message}';
    this.#metrics.observe(
      'switchyard.publish.buffer.messages',
      { unit, description: 'Events awaiting broker confirmation' },
      () => [{ value: this.#publisher.buffer.messages, attributes: system }],
    );
    this.#metrics.observe(
      'switchyard.publish.buffer.waiting',
      { unit, description: 'Publishes and emits waiting for room in the publish buffer' },
      () => [{ value: this.#publisher.buffer.waiting, attributes: system }],
    );
    this.#metrics.observe(
      'switchyard.publish.buffer.bytes',
      { unit: 'By', description: 'Encoded bytes awaiting broker confirmation' },
      () => [{ value: this.#publisher.buffer.bytes, attributes: system }],
    );
    this.#metrics.observe(
      'switchyard.consumer.lag',
      { unit, description: 'Events published but not yet acknowledged by the group' },
      () => {
        const observations = [];
        for (const s of this.#live) {
          void s.refreshLag(DEFAULT_HEALTH_TIMEOUT_MS); // for the next collection: the callback is synchronous
          const lag = s.lastLag;
          if (lag === undefined) continue;
          observations.push({
            value: lag,
            attributes: {
              ...system,
              'messaging.destination.name': s.topic,
              'messaging.consumer.group.name': s.group,
            },
          });
        }
        return observations;
      },
    );
  }

  /** Connects once; a failed attempt lets the next call try again. Close connects too, to flush. */
  #connect(): Promise<void> {
    this.#connectAsked = true;
    if (this.#connecting !== undefined) return this.#connecting;
    let attempt: Promise<void>;
    try {
      attempt = this.#transport.connect();
    } catch (error) {
      attempt = Promise.reject(error); // a connect that throws instead of rejecting fails the same way
    }
    this.#connecting = attempt.then(
      () => {
        this.#connected = true;
      },
      (error: unknown) => {
        this.#connecting = undefined; // let a later call try again
        const mapped = toEventBusError(
          error,
          'CONNECTION_FAILED',
          `Could not connect the ${this.#transport.name} transport`,
          true,
        );
        this.#lastError = mapped.message;
        throw mapped;
      },
    );
    return this.#connecting;
  }
}
