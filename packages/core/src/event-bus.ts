import { SubscriptionRunner } from './consume/subscription.ts';
import type { EventDefinition } from './define-event.ts';
import type { EventDraft } from './envelope.ts';
import { EventBusError, toEventBusError } from './errors.ts';
import { memoryTransport } from './memory/memory-transport.ts';
import { DEFAULT_HEALTH_TIMEOUT_MS, errorMessage, withTimeout } from './observability/health.ts';
import { BusMetrics } from './observability/metrics.ts';
import { beginBatch, endBatch, runInContext } from './observability/tracing.ts';
import { type EventBusOptions, resolveBusOptions } from './options.ts';
import { Publisher } from './publish/publisher.ts';
import type { TopicSpec, Transport, TransportHealth } from './transport.ts';
import type {
  BusHealth,
  EventBus,
  EventHandler,
  PublishReceipt,
  SubscribeOptions,
  Subscription,
} from './types.ts';

/**
 * Creates an event bus over a transport (in-memory by default). The transport connects lazily on
 * first use; `ready()`-style waiting is not needed — the first publish or subscribe awaits it and
 * rejects with the transport's connection error.
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
  readonly #subscriptions = new Set<SubscriptionRunner>();
  #connecting: Promise<void> | undefined;
  #connected = false;
  #closing: Promise<void> | undefined;
  #lastError: string | undefined;
  #awaitingConnect = 0;

  constructor(options: EventBusOptions) {
    this.#transport = options.transport ?? memoryTransport();
    this.#options = resolveBusOptions(options);
    this.source = this.#options.source;
    this.#metrics = new BusMetrics(this.#transport.name);
    this.#publisher = new Publisher(this.#transport, this.#options, this.#metrics);
    this.#observeGauges();
  }

  get capabilities() {
    return this.#transport.capabilities;
  }

  publish<TData>(topic: string, event: EventDraft<TData>): Promise<PublishReceipt> {
    if (this.#connected) return this.#publisher.publish(topic, event);
    // Not yet in the publish buffer (its size is only known once encoded), but reported by health().
    this.#awaitingConnect++;
    return this.#connect().then(
      () => {
        this.#awaitingConnect--;
        return this.#publisher.publish(topic, event);
      },
      (error: unknown) => {
        this.#awaitingConnect--;
        throw error;
      },
    );
  }

  async publishBatch(topic: string, events: readonly EventDraft[]): Promise<PublishReceipt[]> {
    if (!Array.isArray(events))
      throw new EventBusError('INVALID_EVENT', 'publishBatch needs an array of events.');
    await this.#connect();
    // Traced, each event gets a `create` span and the batch one `send` span linked to all of them.
    const batch = this.#options.tracing ? beginBatch() : undefined;
    const publishAll = () => Promise.allSettled(events.map((event) => this.#publisher.publish(topic, event)));
    const results = await (batch === undefined ? publishAll() : runInContext(batch.context, publishAll));
    const failures = results.flatMap((r, index) =>
      r.status === 'rejected' ? [{ index, error: r.reason as Error }] : [],
    );
    if (batch !== undefined) endBatch(batch, this.#transport.name, topic, events.length, failures[0]?.error);
    if (failures.length === 0) return results.map((r) => (r as PromiseFulfilledResult<PublishReceipt>).value);
    const first = failures[0]!.error;
    throw new EventBusError(
      first instanceof EventBusError ? first.code : 'PUBLISH_FAILED',
      `${failures.length} of ${events.length} events were not published to ${topic}; first error: ${first.message}`,
      {
        retriable: failures.every((f) => f.error instanceof EventBusError && f.error.retriable),
        cause: first,
        details: { failures, receipts: results.map((r) => (r.status === 'fulfilled' ? r.value : undefined)) },
      },
    );
  }

  emit<TData>(topic: string, event: EventDraft<TData>): void {
    this.publish(topic, event).catch((error: unknown) => {
      const err = error instanceof Error ? error : new Error(String(error));
      this.#lastError = err.message;
      try {
        this.#options.onError(err, { operation: 'emit', topic, ...(event?.id ? { eventId: event.id } : {}) });
      } catch {
        // an error hook that throws must not turn into an unhandled rejection
      }
    });
  }

  subscribe(topic: string, handler: EventHandler, options?: SubscribeOptions): Promise<Subscription>;
  subscribe<TData>(
    topic: string,
    event: EventDefinition<TData>,
    handler: EventHandler<TData>,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  async subscribe(
    topic: string,
    handlerOrEvent: EventHandler | EventDefinition<unknown>,
    handlerOrOptions?: EventHandler | SubscribeOptions,
    maybeOptions?: SubscribeOptions,
  ): Promise<Subscription> {
    if (this.#closing)
      throw new EventBusError('CLOSED', `Cannot subscribe to ${topic}: the event bus is closed.`);
    const typed = typeof handlerOrOptions === 'function';
    const definition = typed ? (handlerOrEvent as EventDefinition<unknown>) : undefined;
    const handler = (typed ? handlerOrOptions : handlerOrEvent) as EventHandler;
    const options = (typed ? maybeOptions : (handlerOrOptions as SubscribeOptions | undefined)) ?? {};
    if (typeof handler !== 'function')
      throw new EventBusError('INVALID_CONFIG', 'subscribe needs a handler function.');
    if (definition !== undefined && typeof definition.type !== 'string') {
      throw new EventBusError(
        'INVALID_CONFIG',
        'subscribe(topic, event, handler): `event` must come from defineEvent().',
      );
    }
    this.#publisher.validateTopic(topic);
    const caps = this.#transport.capabilities;
    if (options.group !== undefined && !caps.consumerGroups) {
      throw new EventBusError(
        'UNSUPPORTED',
        `The ${this.#transport.name} transport has no consumer groups; drop the \`group\` option.`,
      );
    }
    await this.#connect();
    const runner = new SubscriptionRunner(
      {
        transport: this.#transport,
        publisher: this.#publisher,
        options: this.#options,
        metrics: this.#metrics,
        onClosed: (s) => this.#subscriptions.delete(s),
      },
      topic,
      definition,
      handler,
      options,
    );
    await runner.start();
    this.#subscriptions.add(runner);
    return runner;
  }

  async ensureTopic(
    spec: Omit<TopicSpec, 'strategy'> & { readonly strategy?: TopicSpec['strategy'] },
  ): Promise<void> {
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
      Promise.all([...this.#subscriptions].map((s) => s.health(timeoutMs))),
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
        awaitingConnect: this.#awaitingConnect,
      },
      subscriptions,
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
    };
  }

  close(options: { readonly drainTimeoutMs?: number } = {}): Promise<void> {
    this.#closing ??= this.#close(options.drainTimeoutMs ?? this.#options.drainTimeoutMs);
    return this.#closing;
  }

  async #close(drainTimeoutMs: number): Promise<void> {
    // Subscriptions first: their dead letters still need the publisher.
    try {
      await Promise.all([...this.#subscriptions].map((s) => s.close({ drainTimeoutMs })));
      await this.#publisher.close();
      if (this.#connecting !== undefined) {
        await this.#connecting.catch(() => undefined);
        await this.#transport.close();
      }
    } finally {
      this.#metrics.stopObserving();
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
      'switchyard.publish.buffer.bytes',
      { unit: 'By', description: 'Encoded bytes awaiting broker confirmation' },
      () => [{ value: this.#publisher.buffer.bytes, attributes: system }],
    );
    this.#metrics.observe(
      'switchyard.consumer.lag',
      { unit, description: 'Events published but not yet acknowledged by the group' },
      () => {
        const observations = [];
        for (const s of this.#subscriptions) {
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

  #connect(): Promise<void> {
    if (this.#closing) return Promise.reject(new EventBusError('CLOSED', 'The event bus is closed.'));
    this.#connecting ??= this.#transport.connect().then(
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
