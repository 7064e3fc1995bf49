import { propagation } from '@opentelemetry/api';
import type { EventDefinition } from '../define-event.ts';
import type { EventEnvelope } from '../envelope.ts';
import { EventBusError, isEventBusError } from '../errors.ts';
import { composeConsume, type HandleFn } from '../middleware.ts';
import { DEFAULT_HEALTH_TIMEOUT_MS, errorMessage, withTimeout } from '../observability/health.ts';
import type { BusMetrics } from '../observability/metrics.ts';
import { ProducerContexts } from '../observability/producer-contexts.ts';
import { activeTracer, followedProducer, type HandlerTrace, runInContext } from '../observability/tracing.ts';
import type { ResolvedBusOptions } from '../options.ts';
import type { Publisher } from '../publish/publisher.ts';
import type { ConsumerHandle, ConsumerIntake, ConsumerLag, InboundMessage, Transport } from '../transport.ts';
import type { BatchHandler, EventHandler, SubscriptionHealth } from '../types.ts';
import { fromWire } from '../wire.ts';
import { BatchRuns } from './batch-runs.ts';
import { type Intake, schedulerFor } from './consumer-scheduler.ts';
import type { ConsumerSettings } from './consumer-settings.ts';
import { DeadLetterer } from './dead-letterer.ts';
import { type Delivery, DeliveryProcessor } from './delivery-processor.ts';
import { DispatchTable } from './dispatch-table.ts';
import { type EntryOwner, HandlerEntry } from './handler-entry.ts';
import { HandlerRuns } from './handler-runs.ts';
import { runAsConsumerOf } from './handler-scope.ts';
import type { ResolvedRetryPolicy } from './retry-policy.ts';

const CLOSE_GRACE_MS = 1_000;

export interface ConsumerDeps {
  readonly transport: Transport;
  readonly publisher: Publisher;
  readonly options: ResolvedBusOptions;
  readonly metrics: BusMetrics;
  /** The bus: handlers run as its handlers, so their publishes are accepted while it drains. */
  readonly bus: object;
  /** Called once, when the consumer starts closing: a new subscription then gets a new consumer. */
  readonly onClosing: (consumer: TopicConsumer) => void;
  readonly onClosed: (consumer: TopicConsumer) => void;
}

/**
 * The consumer of one group on one topic inside one bus: one `transport.consume()`, one keyed
 * scheduler, and the handlers subscribed for it. Each event goes to the handlers that declared its
 * type (and those that take every type); an event no handler declares follows `unhandled`.
 * Every event is settled exactly once: acked, handed back (nack), or dead-lettered.
 */
export class TopicConsumer implements EntryOwner {
  readonly topic: string;
  readonly group: string;
  readonly settings: ConsumerSettings;
  #state: SubscriptionHealth['state'] = 'running';
  #handle: ConsumerHandle | undefined;
  #lastError: string | undefined;
  #lag: ConsumerLag | undefined;
  #lagRefresh: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  /** Deliveries (or batches) the scheduler started while the transport held the intake, to run on release. */
  #held: Array<() => void> | undefined;
  /** What the transport may ask of this consumer (see ConsumerIntake). */
  readonly #intake: ConsumerIntake = {
    hold: () => {
      this.#held ??= [];
    },
    release: () => this.#release(),
    idle: () => Promise.all(this.#table.entries.map((entry) => entry.idle())).then(() => undefined),
  };
  readonly #deps: ConsumerDeps;
  readonly #table = new DispatchTable();
  readonly #scheduler: Intake<Delivery>;
  readonly #producers = new ProducerContexts();
  readonly #processor: DeliveryProcessor;

  constructor(deps: ConsumerDeps, topic: string, group: string, settings: ConsumerSettings) {
    this.#deps = deps;
    this.topic = topic;
    this.group = group;
    this.settings = settings;
    const noteError = (error: unknown) => {
      this.#lastError = errorMessage(error);
    };
    const runs = new HandlerRuns({
      topic,
      group,
      metrics: deps.metrics,
      delayedRedelivery: deps.transport.capabilities.delayedRedelivery,
      noteError,
    });
    const deadLetters = new DeadLetterer({
      topic,
      group,
      deadLetterTopic: settings.deadLetterTopic,
      transportName: deps.transport.name,
      prefix: deps.transport.headerPrefix ?? 'ce_',
      publisher: deps.publisher,
      options: deps.options,
      metrics: deps.metrics,
      noteError,
      retryDelayMs: () => this.#table.entries[0]?.retry.maxDelayMs ?? 30_000,
    });
    this.#scheduler = schedulerFor<Delivery>(settings, {
      keyOf: (d) => d.key,
      onSaturated: () => this.#handle?.pause(),
      onDrained: () => {
        if (this.#state === 'running') this.#handle?.resume();
      },
      run: (d, done) => this.#process(d, done),
      runBatch: (batch, done) => this.#processBatch(batch, done),
    });
    const batchRuns = new BatchRuns({
      topic,
      group,
      system: deps.transport.name,
      tracing: deps.options.tracing,
      metrics: deps.metrics,
      producers: this.#producers,
      deadLetters,
      noteError,
    });
    this.#processor = new DeliveryProcessor({
      topic,
      group,
      system: deps.transport.name,
      unsampledParent: deps.options.unsampledParent,
      unhandled: settings.unhandled,
      metrics: deps.metrics,
      table: this.#table,
      producers: this.#producers,
      runs,
      batchRuns,
      deadLetters,
    });
  }

  get drainTimeoutMs(): number {
    return this.#deps.options.drainTimeoutMs;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Adds a handler; it gets the events this consumer takes from now on. */
  add(
    definition: EventDefinition<unknown> | undefined,
    handler: EventHandler | BatchHandler,
    retry: ResolvedRetryPolicy,
  ): HandlerEntry {
    const entry =
      this.settings.batch === undefined
        ? new HandlerEntry(this, definition, this.#withMiddleware(handler as EventHandler), retry)
        : new HandlerEntry(this, definition, unusedHandle, retry, handler as BatchHandler);
    this.#table.add(entry);
    return entry;
  }

  #withMiddleware(handler: EventHandler): HandleFn {
    const middleware = this.#deps.options.consumeMiddleware;
    const call = handler as HandleFn;
    return middleware.length === 0 ? call : composeConsume(middleware, call);
  }

  async start(): Promise<void> {
    const { settings } = this;
    this.#handle = await this.#deps.transport.consume(
      {
        topic: this.topic,
        group: this.group,
        prefetch: settings.prefetch,
        startFrom: settings.startFrom,
        // Core settles every event itself; a broker-side cap would only park one silently when a
        // dead-letter send keeps failing, so the transport is asked never to give up.
        maxDeliveries: Number.POSITIVE_INFINITY,
        ackTimeoutMs: settings.ackTimeoutMs,
      },
      // Handlers run as the bus's (see handler-scope.ts): entered once per batch handed over.
      (messages) => runAsConsumerOf(this.#deps.bus, this.#receiveBatch, messages),
      this.#intake,
    );
    // Closed while the transport was still starting: the close could not stop what did not exist yet.
    if (this.#closing !== undefined) await this.#handle.stop();
  }

  /** Takes one handler out; the last one closes the consumer. */
  async remove(entry: HandlerEntry, drainTimeoutMs: number): Promise<void> {
    if (this.#table.size === 1 && this.#table.entries[0] === entry) return this.close({ drainTimeoutMs });
    this.#table.remove(entry);
    entry.stopIntake();
    if ((await drained(entry.idle(), drainTimeoutMs)) === 'timeout') {
      entry.abortRunning(drainTimeoutMs);
      await drained(entry.idle(), CLOSE_GRACE_MS);
    }
  }

  async health(timeoutMs: number = DEFAULT_HEALTH_TIMEOUT_MS): Promise<SubscriptionHealth> {
    await this.refreshLag(timeoutMs);
    const lag = this.#lag;
    return {
      topic: this.topic,
      group: this.group,
      types: this.#table.types,
      state: this.#state === 'running' && this.#scheduler.saturated ? 'paused' : this.#state,
      inFlight: this.#scheduler.running,
      queued: this.#scheduler.size - this.#scheduler.running,
      unhandled: this.#processor.unhandled,
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

  /**
   * Intake stops at once: no handler starts after this is called, and what was fetched but not
   * started goes back to the broker. Running handlers get the drain deadline, then their signal
   * aborts; after a short grace the group is released (what finished is committed).
   */
  async #close(drainTimeoutMs: number): Promise<void> {
    this.#state = 'closing';
    this.#deps.onClosing(this);
    for (const entry of this.#table.entries) entry.stopIntake();
    this.#handle?.pause();
    this.#release(); // what waited for a rebalance is handed back now (the state is no longer running)
    for (const delivery of this.#scheduler.takeQueued()) delivery.message.nack();
    if ((await drained(this.#scheduler.idle(), drainTimeoutMs)) === 'timeout') {
      // A handler that ignores its signal keeps running; its event stays unacknowledged and the
      // broker gives it to the next owner (it may run twice: at-least-once).
      for (const entry of this.#table.entries) entry.abortRunning(drainTimeoutMs);
      await drained(this.#scheduler.idle(), CLOSE_GRACE_MS);
    }
    try {
      await this.#handle?.stop();
    } finally {
      this.#state = 'closed';
      this.#deps.onClosed(this);
    }
  }

  /**
   * Runs what waited for the intake, in the order the scheduler started it, as the bus's consumer
   * (the scope the transport's batches run in: a handler may publish while the bus drains).
   */
  #release(): void {
    const held = this.#held;
    this.#held = undefined;
    if (held !== undefined && held.length > 0) runAsConsumerOf(this.#deps.bus, runAll, held);
  }

  readonly #receiveBatch = (messages: readonly InboundMessage[]): void => this.#receive(messages);

  #receive(messages: readonly InboundMessage[]): void {
    const { options } = this.#deps;
    // Asked once per batch, not per event: with tracing on but no SDK registered (the default for a
    // user without OpenTelemetry), the events of this batch start no span and follow no producer.
    const tracing = options.tracing && activeTracer() !== undefined;
    this.#processor.tracing = tracing;
    if (!tracing || options.unsampledParent !== 'follow' || messages.length === 0) {
      for (const message of messages) this.#accept(message, undefined);
      return;
    }
    // Runs of events whose handlers will run in one context (an unsampled producer context they
    // share) are queued in that context, so the scheduler starts them there and none of them has
    // to enter it (see DeliveryProcessor's dispatch).
    const fields = propagation.fields();
    const producers = this.#producers;
    let i = 0;
    let followed = followedProducer(messages[0]!.headers, producers, fields);
    while (i < messages.length) {
      const from = i;
      const first = followed;
      let next: HandlerTrace | undefined;
      let end = i + 1;
      for (; end < messages.length; end++) {
        next = followedProducer(messages[end]!.headers, producers, fields);
        if (next?.context !== first?.context) break;
      }
      if (first === undefined) for (let k = from; k < end; k++) this.#accept(messages[k]!, undefined);
      else runInContext(first.context, this.#acceptRun, messages, from, end, first);
      followed = next;
      i = end;
    }
  }

  /** Accepts `messages[from..end)`, which share the followed producer context `followed`. */
  readonly #acceptRun = (
    messages: readonly InboundMessage[],
    from: number,
    end: number,
    followed: HandlerTrace,
  ): void => {
    for (let k = from; k < end; k++) this.#accept(messages[k]!, followed);
  };

  #accept(message: InboundMessage, followed: HandlerTrace | undefined): void {
    if (this.#state !== 'running') {
      message.nack();
      return;
    }
    let envelope: EventEnvelope | undefined;
    let decodeError: EventBusError | undefined;
    try {
      envelope = fromWire(message, this.#deps.options.codecs, this.#deps.transport.headerPrefix ?? 'ce_');
    } catch (error) {
      decodeError = isEventBusError(error)
        ? error
        : new EventBusError('DECODE_FAILED', String(error), { cause: error });
    }
    const key = envelope?.key ?? message.key;
    this.#scheduler.submit({ message, envelope, decodeError, followed, key });
  }

  /**
   * Starts one delivery: parked while the transport holds the intake (its slot and key stay taken
   * until the release), handed back once intake stopped, otherwise run and settled by the processor.
   */
  #process(delivery: Delivery, done: (delivery: Delivery) => void): void {
    if (this.#held !== undefined) {
      this.#held.push(() => this.#process(delivery, done));
      return;
    }
    if (this.#state !== 'running') {
      // Started after intake stopped (a key freed during close): hand it back instead.
      delivery.message.nack();
      done(delivery);
      return;
    }
    this.#processor.process(delivery, done);
  }

  /** The same for a batch from the batch scheduler. */
  #processBatch(deliveries: readonly Delivery[], done: () => void): void {
    if (this.#held !== undefined) {
      this.#held.push(() => this.#processBatch(deliveries, done));
      return;
    }
    if (this.#state !== 'running') {
      for (const d of deliveries) d.message.nack();
      done();
      return;
    }
    this.#processor.processBatch(deliveries, done);
  }
}

/** Resolves 'idle' when `idle` does, or 'timeout' after `ms`. */
async function drained(idle: Promise<void>, ms: number): Promise<'idle' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([idle.then(() => 'idle' as const), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const unusedHandle: HandleFn = () => Promise.resolve();

function runAll(runs: ReadonlyArray<() => void>): void {
  for (const run of runs) run();
}
