import type { Span } from '@opentelemetry/api';
import type { RetryOptions } from './consume/retry-policy.ts';
import type { EventDefinition } from './define-event.ts';
import type { EventDraft, EventEnvelope } from './envelope.ts';
import type { ConnectionState, ConsumerLag, TopicSpec, TransportCapabilities } from './transport.ts';

/** What `publish` resolves with once the broker accepted the event under the configured acks. */
export interface PublishReceipt {
  readonly id: string;
  readonly topic: string;
  readonly partition?: number;
  readonly offset?: string;
  readonly stream?: string;
  readonly sequence?: number;
  readonly duplicate?: boolean;
}

export interface HandlerContext {
  /** 1 on the first delivery, counting retries in process and redeliveries by the broker. */
  readonly attempt: number;
  /** Aborted when the drain deadline passes during `close`, or when this consumer lost the event (a rebalance): stop work early. */
  readonly signal: AbortSignal;
  readonly topic: string;
  readonly group: string;
  readonly partition?: number;
  readonly offset?: string;
  readonly sequence?: number;
  /**
   * The `process <topic>` span; spans the handler starts are its children. `undefined` when no
   * OpenTelemetry tracer provider is registered or the bus has `tracing: false`.
   */
  readonly span: Span | undefined;
}

export type EventHandler<TData = unknown> = (
  event: EventEnvelope<TData>,
  ctx: HandlerContext,
) => Promise<void> | void;

/**
 * How a subscription consumes. Within one bus the subscriptions of one group on one topic are one
 * consumer underneath: `group`, `concurrency`, `ordering`, `prefetch`, `startFrom`, `ackTimeoutMs`,
 * `deadLetter` and `unhandled` belong to that consumer. The first subscription sets them; a later one
 * may leave them out or repeat them, and giving a different value is refused (INVALID_CONFIG).
 * `retry` and `signal` belong to each subscription.
 */
/** What a batch handler gets besides its events. */
export interface BatchContext {
  /** 1 on the first run of this batch, counting in-process retries of the whole batch. */
  readonly attempt: number;
  /** Aborted when the drain deadline passes during `close`, or when this consumer lost the events. */
  readonly signal: AbortSignal;
  readonly topic: string;
  readonly group: string;
  /** One `process <topic>` span for the batch, linked to each event's producer span. */
  readonly span: Span | undefined;
}

export type BatchHandler<TData = unknown> = (
  events: ReadonlyArray<EventEnvelope<TData>>,
  ctx: BatchContext,
) => Promise<void> | void;

export interface BatchOptions {
  /** Events per batch at most. @default 100 */
  readonly maxEvents?: number;
  /** How long a batch waits to fill after its first event arrived, in ms. @default 20 */
  readonly maxWaitMs?: number;
}

export interface SubscribeOptions {
  /**
   * Consumer group: services (buses) with the same group share the work, different groups each get
   * every event. Inside one bus, every handler of the group gets the events of its type.
   * @default the bus `source`
   */
  readonly group?: string;
  /**
   * Handlers running at once for this subscription (different keys; one key is always serial).
   * @default 16
   */
  readonly concurrency?: number;
  /**
   * `key`: same-key events are handled one at a time, in order. `none`: no ordering, only the concurrency bound.
   * @default 'key'
   */
  readonly ordering?: 'key' | 'none';
  /** Retry policy, or `false` for a single attempt. @default 5 attempts, 100 ms doubling, full jitter */
  readonly retry?: RetryOptions | false;
  /**
   * Where failed, undecodable and schema-invalid events go. `true` means `<topic>.dlq`; `false`
   * means they are reported to `onError` and acknowledged (dropped on purpose).
   * @default true
   */
  readonly deadLetter?: boolean | { readonly topic: string };
  /**
   * Events held (running or waiting for their key) before the transport is paused.
   * @default 1000
   */
  readonly prefetch?: number;
  /**
   * Where a group that never committed starts reading.
   * @default 'earliest'
   */
  readonly startFrom?: 'earliest' | 'latest';
  /**
   * After this long a running handler may lose its lease on brokers with ack deadlines (NATS); the transport keeps extending it until then.
   * @default 60000
   */
  readonly ackTimeoutMs?: number;
  /**
   * Events of a type no handler of this group on this topic declares: `ack` acknowledges them and
   * counts them (metric `switchyard.consumer.unhandled`, `health().subscriptions[].unhandled`);
   * `dead-letter` sends them to the dead-letter topic with reason `unhandled-type`.
   * @default 'ack'
   */
  readonly unhandled?: 'ack' | 'dead-letter';
  /** Aborting it closes the subscription. */
  readonly signal?: AbortSignal;
}

/**
 * A batch subscription's options. `concurrency` is the number of batches running at once; with
 * `ordering: 'key'` the events of one key always travel in the same lane, one batch at a time.
 */
export interface SubscribeBatchOptions extends SubscribeOptions {
  readonly batch?: BatchOptions;
}

export interface Subscription {
  readonly topic: string;
  readonly group: string;
  /** The event type this subscription handles; `undefined` when it handles every type. */
  readonly type: string | undefined;
  /**
   * Stops this handler: it gets no new event, its running work gets the drain deadline and then its
   * signal aborts. Closing the last subscription of a group on a topic closes the consumer: events
   * fetched but not started go back to the broker, and the group membership is released.
   */
  close(options?: { readonly drainTimeoutMs?: number }): Promise<void>;
}

/** One consumer: the subscriptions of one group on one topic. */
export interface SubscriptionHealth {
  readonly topic: string;
  readonly group: string;
  /** Event types its handlers declare; `*` for a handler of every type. */
  readonly types: readonly string[];
  readonly state: 'running' | 'paused' | 'closing' | 'closed';
  readonly inFlight: number;
  readonly queued: number;
  /** Events no handler declared, acknowledged or dead-lettered by the `unhandled` policy. */
  readonly unhandled: number;
  /** Events published but not yet acknowledged by the group, where the transport can tell. */
  readonly lag?: number;
  /** The transport's full lag report (per partition, pending, ack-pending, redelivered). */
  readonly lagDetails?: ConsumerLag;
  /** The last handler failure or lag query failure. */
  readonly lastError?: string;
}

export interface BusHealth {
  /** `true` when the transport is connected, the bus is not closing and every subscription runs. */
  readonly ok: boolean;
  /** When this report was made (ISO 8601). */
  readonly checkedAt: string;
  readonly transport: {
    readonly name: string;
    readonly state: ConnectionState;
    readonly lastError?: string;
    readonly details?: Readonly<Record<string, unknown>>;
  };
  readonly publishBuffer: {
    readonly messages: number;
    readonly bytes: number;
    readonly maxMessages: number;
    readonly maxBytes: number;
    /** Publishes and emits waiting for room (whenFull 'wait'), and their encoded bytes; bounded by the two limits below. */
    readonly waiting: number;
    readonly waitingBytes: number;
    readonly maxWaitingMessages: number;
    readonly maxWaitingBytes: number;
    /** Publishes and emits made before the transport's first connect finished, held until it is up. */
    readonly awaitingConnect: number;
  };
  readonly subscriptions: readonly SubscriptionHealth[];
  readonly lastError?: string;
}

export interface EventBus {
  readonly source: string;
  readonly capabilities: TransportCapabilities;
  /**
   * Connects the transport now. Optional: publish, subscribe and ensureTopic connect on first use.
   * Call it at startup to fail fast on a wrong address or credentials, and to keep the connection
   * time out of the first publish. Resolves at once when connected; a failed attempt rejects with
   * `CONNECTION_FAILED` (`AUTHENTICATION_FAILED` for wrong credentials) and a later call (or
   * publish) tries again. Rejects with `CLOSED` after `close()`.
   */
  connect(): Promise<void>;
  /** Publishes one event; resolves when the broker accepted it. Concurrent calls share network requests. */
  publish<TData>(topic: string, event: EventDraft<TData>): Promise<PublishReceipt>;
  /** Publishes several events; resolves with one receipt each, or rejects listing every failure. */
  publishBatch(topic: string, events: readonly EventDraft[]): Promise<PublishReceipt[]>;
  /** Fire and forget: failures go to the `onError` hook and metrics, never to an unhandled rejection. */
  emit<TData>(topic: string, event: EventDraft<TData>): void;
  subscribe(topic: string, handler: EventHandler, options?: SubscribeOptions): Promise<Subscription>;
  subscribe<TData>(
    topic: string,
    event: EventDefinition<TData>,
    handler: EventHandler<TData>,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  /**
   * Subscribes a handler that gets events in batches (a database insert per batch). The whole
   * batch succeeds or fails together: a handler that throws runs again with the same batch (its
   * `retry` policy, in process), and after the last attempt every event of it is dead-lettered
   * with the error. Same-key events keep their order across batches. A batch handler is the only
   * handler of its consumer (its group on its topic in this bus).
   */
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
  /** Creates, updates or validates a topic on the broker (a no-op `skip` by default for transports without admin). */
  ensureTopic(
    spec: Omit<TopicSpec, 'strategy'> & { readonly strategy?: TopicSpec['strategy'] },
  ): Promise<void>;
  /**
   * One structured report: transport connection state, publish buffer, per subscription state,
   * in-flight and queued handlers, lag and last error. Answers within `timeoutMs` (default 2 s)
   * even when the broker does not; what did not answer in time is reported as an error.
   */
  health(options?: { readonly timeoutMs?: number }): Promise<BusHealth>;
  /** Stops intake, drains in-flight handlers (aborting them at the deadline), flushes publishes, disconnects. */
  close(options?: { readonly drainTimeoutMs?: number }): Promise<void>;
}
