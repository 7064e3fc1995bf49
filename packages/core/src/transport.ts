import type { EventBusError } from './errors.ts';

/**
 * The port every broker adapter implements. Core owns the semantics (envelope, codec, retry,
 * dead letter, ordering by key, tracing, metrics, backpressure); a transport moves bytes to and
 * from one broker and keeps the promises its `capabilities` declare — no more.
 */
export interface Transport {
  /** Short broker name used in spans and metrics (`messaging.system`): `kafka`, `nats`, `redis`, `memory`. */
  readonly name: string;
  readonly capabilities: TransportCapabilities;
  /**
   * Prefix of CloudEvents attribute headers in binary content mode: `ce_` for Kafka (its protocol
   * binding), `ce-` for NATS and HTTP-like bindings. Defaults to `ce_`.
   */
  readonly headerPrefix?: string;
  /**
   * The broker carries the ordering key itself (the Kafka message key). Core then sends no
   * `partitionkey` header: the Kafka protocol binding maps that extension to the message key, and
   * one header less per event is measurably cheaper to encode. Inbound, the key comes from `key`.
   */
  readonly nativeKey?: boolean;
  /** Connect to the broker. Rejects with a clear EventBusError (unreachable, bad credentials) within the configured timeout. */
  connect(): Promise<void>;
  /**
   * Send a batch. Resolves with one outcome per message, in order: a message never fails silently
   * and one bad message does not fail its neighbours. Rejects only when the whole call failed.
   *
   * A transport that learns outcomes one at a time (a JetStream ack per message, a Kafka request
   * per partition batch) calls `onOutcome(index, outcome)` as each is known, so that publish
   * settles then instead of waiting for the slowest message of the call: a pipelined publisher
   * keeps its window full. Calling it is optional; what the returned promise resolves with wins
   * for any index not reported, and an index is settled once.
   *
   * The message objects are core's own per-event records (they also carry the publish's
   * settlement state: its promise callbacks and span). Read their message fields only, and keep
   * no reference to them once their outcome is settled — copy what must outlive the send (a
   * retry queue, a log) — or every settled publish stays in memory for as long as it is held.
   */
  send(
    messages: readonly OutboundMessage[],
    onOutcome?: (index: number, outcome: SendOutcome) => void,
  ): Promise<readonly SendOutcome[]>;
  /**
   * Start consuming a topic for a group. Messages arrive in `onMessages`; the handle controls flow;
   * `intake` lets the transport hold back handlers of messages it has handed over (a rebalance).
   */
  consume(
    request: ConsumeRequest,
    onMessages: (messages: readonly InboundMessage[]) => void,
    intake?: ConsumerIntake,
  ): Promise<ConsumerHandle>;
  /** Create, update or validate a topic according to `spec.strategy`. Optional: a transport without topics omits it. */
  ensureTopic?(spec: TopicSpec): Promise<void>;
  /** Extra topic-name rules beyond core's portable ones (e.g. NATS tokens). Throws EventBusError('INVALID_TOPIC'). */
  validateTopic?(topic: string): void;
  health(): TransportHealth | Promise<TransportHealth>;
  /** Flush pending sends, then disconnect. Called after every consumer handle is stopped. */
  close(): Promise<void>;
}

/** What a transport promises. The testkit skips cases for what is not claimed and fails what is claimed but not kept. */
export interface TransportCapabilities {
  /** Events survive the bus being closed and re-created (and a process crash). */
  readonly persistent: boolean;
  /** Subscribers with the same group share the work; different groups each get every event. */
  readonly consumerGroups: boolean;
  /**
   * Where same-key order holds within a group: `'group'` across all instances of the group
   * (Kafka partitions), `'instance'` only within one subscriber instance (NATS pull consumer).
   */
  readonly orderingScope: 'group' | 'instance' | 'none';
  /** `nack({ delayMs })` redelivers after a delay without blocking other events. */
  readonly delayedRedelivery: boolean;
  /** Largest encoded event (value plus headers) the broker accepts, in bytes. */
  readonly maxMessageBytes: number;
  /**
   * What sets `maxMessageBytes`, as a user would change it (e.g. `` `producer.maxMessageBytes` ``):
   * named when an event is over it, instead of the bus's `maxEventBytes`.
   */
  readonly maxMessageBytesSetBy?: string;
  /** Topics can be created and configured through `ensureTopic`. */
  readonly topicAdmin: boolean;
}

export interface OutboundMessage {
  readonly topic: string;
  readonly key: string | undefined;
  readonly value: Uint8Array;
  /** Wire headers: CloudEvents attributes in binary mode plus extensions and user headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** The event id: transports with broker-side de-duplication use it (NATS `Nats-Msg-Id`). */
  readonly id: string;
}

export type SendOutcome =
  | { readonly ok: true; readonly receipt: TransportReceipt }
  | { readonly ok: false; readonly error: EventBusError };

/** Where the broker put the event. */
export interface TransportReceipt {
  readonly partition?: number;
  readonly offset?: string;
  readonly stream?: string;
  readonly sequence?: number;
  /** The broker recognised a duplicate (same id within its window) and stored nothing new. */
  readonly duplicate?: boolean;
}

export interface ConsumeRequest {
  readonly topic: string;
  readonly group: string;
  /** Unacknowledged messages the transport may hand over before the consumer pauses it. */
  readonly prefetch: number;
  /** Where a group that has never committed starts. */
  readonly startFrom: 'earliest' | 'latest';
  /**
   * Deliveries after which the broker may stop redelivering (NATS max_deliver). Core passes
   * Infinity: it settles every event itself, and a cap would park an event silently when its
   * dead-letter send keeps failing. Map a non-finite value to the broker's "unlimited".
   */
  readonly maxDeliveries: number;
  /**
   * A handler still running after this long may lose its lease; transports with leases (NATS
   * ack_wait) extend them while work is in flight. Transports without leases (Kafka) ignore it.
   */
  readonly ackTimeoutMs: number;
}

export interface InboundMessage {
  readonly topic: string;
  readonly key: string | undefined;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  /** 1 for a first delivery; counts redeliveries the broker or a retry topic knows about. */
  readonly attempt: number;
  readonly partition?: number;
  readonly offset?: string;
  readonly sequence?: number;
  /** Processing finished (handled or dead-lettered): the broker may forget it. */
  ack(): void;
  /**
   * Processing must happen again. With `delayMs` and the `delayedRedelivery` capability the
   * event comes back after the delay with `attempt` set to `nextAttempt`; other events keep flowing.
   * Without `delayMs` it means "not processed, give it back" (events arriving while the
   * subscription closes, handlers aborted at the drain deadline): a transport may hold such an
   * event until `resume()`, and must not hand it over again after `stop()` — the broker
   * redelivers it to the next owner.
   */
  nack(options?: { readonly delayMs?: number; readonly nextAttempt?: number }): void;
  /**
   * Aborted when this consumer no longer owns the event (Kafka partition revoked in a rebalance,
   * a lease lost): core skips it if it has not started (the new owner has it) and aborts the
   * handler's `ctx.signal` if it has. Optional.
   */
  readonly signal?: AbortSignal;
  /** Tell the broker the handler is still working (extends an ack deadline). Optional. */
  working?(): void;
}

/**
 * What the consumer offers the transport that feeds it. A Kafka member whose group starts to
 * rebalance holds the intake: handlers already running go on, no other handler starts until
 * `release()`, and messages whose `signal` aborted meanwhile (their partition went to another
 * member) are skipped then, as Java's consumer handles nothing while its group rebalances.
 */
export interface ConsumerIntake {
  /** Start no more handlers until `release()`; repeated calls hold once. */
  hold(): void;
  /** Start handlers again; a release without a hold does nothing. */
  release(): void;
  /**
   * Resolves once no handler of the consumer runs (retries in process included). While held none
   * starts, so after `hold()` it says that the handlers running at the hold have ended and acked
   * (or handed back) their events: a member that can wait before it rejoins commits those too.
   * Optional for a transport to call; core always offers it.
   */
  idle(): Promise<void>;
}

export interface ConsumerHandle {
  /** Stop fetching: messages already handed over still arrive at most once more per fetch in flight. */
  pause(): void;
  resume(): void;
  /**
   * Stop intake for good and release the group membership. Core calls it last, after `pause()`
   * and after its scheduler drained (or the drain deadline passed): commit what was acked, then
   * leave. Acks that arrive after `stop()` may be ignored; those events are redelivered later.
   */
  stop(): Promise<void>;
  /** Consumer lag per partition / stream for `health()`. */
  lag?(): Promise<ConsumerLag>;
}

export interface ConsumerLag {
  /** Events published but not yet acknowledged by the group. */
  readonly total: number;
  readonly partitions?: ReadonlyArray<{ readonly partition: number; readonly lag: number }>;
  readonly pending?: number;
  readonly ackPending?: number;
  readonly redelivered?: number;
}

export type TopicStrategy = 'create-only' | 'create-or-update' | 'validate-only' | 'skip';

export interface TopicSpec {
  readonly name: string;
  readonly strategy: TopicStrategy;
  /** `persistent` topics live on disk with the configured retention; `ephemeral` ones may skip storage (NATS core). */
  readonly durability?: 'persistent' | 'ephemeral';
  readonly partitions?: number;
  readonly replicationFactor?: number;
  readonly retentionMs?: number;
  readonly retentionBytes?: number;
  readonly maxMessages?: number;
  readonly cleanupPolicy?: 'delete' | 'compact';
  readonly compression?: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd' | 'producer';
  /** Broker-specific settings passed through as they are. */
  readonly extra?: Readonly<Record<string, string | number | boolean>>;
}

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'closed';

export interface TransportHealth {
  readonly state: ConnectionState;
  /** Events accepted by the transport but not yet confirmed by the broker. */
  readonly bufferedMessages?: number;
  readonly bufferedBytes?: number;
  readonly lastError?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}
