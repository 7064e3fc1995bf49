import type { RecordSizing } from './record-batch/record-encoder.ts';

/**
 * The seam between this adapter and a Kafka client library. Everything Switchyard-specific
 * (batching, partitioning, offsets, retry topics, options) lives above it; each driver lives in its
 * own folder (`kafkajs/`, `platformatic/`) and is the only code that knows its client: its patches,
 * its codecs, its errors. Drivers throw the client's own errors; each driver's `classify…Error`
 * turns them into a `ClassifiedError`, which `errors.ts` maps to `EventBusError` codes.
 */
export interface KafkaDriver {
  /** Which driver runs, and its own facts for `health()` (kafkajs: whether its patches are active). */
  readonly info: DriverInfo;
  /**
   * Loads what the driver needs before it can open a connection (a client library imported on
   * first use). The transport awaits it before `connect()`, outside `connectTimeoutMs`: loading a
   * module is not the network, and a cold process on a busy machine takes over a second for it.
   */
  load?(): Promise<void>;
  /** Connects the producer and admin connections; rejects if the brokers cannot be reached or authenticated. */
  connect(): Promise<void>;
  /** Partitions and their leaders, or `undefined` when the topic does not exist. */
  topicMetadata(topic: string): Promise<TopicMetadata | undefined>;
  /**
   * The same, for the producer's partitioner (MetadataCache): a driver whose client keeps metadata
   * of its own per producer answers from a lookup that also readies that client for its first send
   * to the topic (kafkajs). Without it, `topicMetadata` serves.
   */
  producerTopicMetadata?(topic: string): Promise<TopicMetadata | undefined>;
  /** Writes records whose partition is already chosen. Resolves with the base offset per partition written. */
  produce(request: ProduceRequest): Promise<readonly PartitionWrite[]>;
  /**
   * Starts a fresh producer session (new producer id) for the next requests. Called after a failed
   * idempotent write, whose sequence numbers the broker may or may not have seen.
   */
  resetProducer(): Promise<void>;
  createConsumer(config: DriverConsumerConfig): DriverConsumer;

  createTopic(spec: DriverTopicSpec): Promise<boolean>;
  /**
   * Creates several topics in one CreateTopics request and waits for their leaders. Resolves when
   * every one of them exists, made now or before; rejects when one could not be made, and the caller
   * then goes topic by topic with `createTopic` to learn which. The controller commits a request at
   * a time (~30 ms each on a single KRaft broker), so a subscription's four retry topics take one
   * commit instead of four.
   */
  createTopics?(specs: readonly DriverTopicSpec[]): Promise<void>;
  /** Topic configs that differ from the broker default (`retention.ms`, `cleanup.policy` …). */
  topicConfigs(topic: string): Promise<Record<string, string>>;
  /** Replaces the topic's dynamic configs with exactly `configs`. */
  setTopicConfigs(topic: string, configs: Readonly<Record<string, string>>): Promise<void>;
  addPartitions(topic: string, count: number): Promise<void>;
  brokerCount(): Promise<number>;
  /** Earliest and next offset (high watermark) per partition. */
  topicOffsets(topic: string): Promise<ReadonlyArray<{ partition: number; low: string; high: string }>>;
  /** The group's committed offset per partition; `-1` where it never committed. */
  groupOffsets(group: string, topic: string): Promise<ReadonlyArray<{ partition: number; offset: string }>>;

  /**
   * Connection events for health: `connected` when it connects (or a client connects again),
   * `disconnected` when the transport lost its connections (not when one idle socket closes: clients
   * open another on the next request), `error` on a failed connection attempt.
   */
  onConnectionEvent(listener: (event: ConnectionEvent) => void): void;
  disconnect(): Promise<void>;
}

export type ConnectionEvent =
  | { readonly type: 'connected' }
  | { readonly type: 'disconnected' }
  | { readonly type: 'error'; readonly error: unknown };

export interface TopicMetadata {
  readonly topic: string;
  /** Sorted by partition id; `leader` is -1 while a partition has none. */
  readonly partitions: ReadonlyArray<{
    readonly partition: number;
    readonly leader: number;
    readonly replicas: number;
  }>;
}

export interface DriverRecord {
  readonly partition: number;
  /** A string is written as its UTF-8 bytes. */
  readonly key: Buffer | string | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** Size bound and header count when the producer counted them (record-encoder.ts's `encodeRecords` then skips its count). */
  readonly sized?: RecordSizing;
}

export interface ProduceRequest {
  readonly topics: ReadonlyArray<{ readonly topic: string; readonly records: readonly DriverRecord[] }>;
}

/** One partition's share of a produce request; `baseOffset` is the first record's offset (absent with acks none). */
export interface PartitionWrite {
  readonly topic: string;
  readonly partition: number;
  readonly baseOffset: string | undefined;
  /**
   * Set when this partition's batch was not written although others of the request were (a driver
   * that knows it per partition); `produce` rejects when the request failed as a whole.
   */
  readonly error?: unknown;
}

export interface DriverTopicSpec {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly configs: Readonly<Record<string, string>>;
}

export interface DriverConsumerConfig {
  readonly group: string;
}

export interface DriverInbound {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: string;
}

export interface DriverBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly DriverInbound[];
}

export interface DriverConsumerHandlers {
  /**
   * A fetched batch. Returns how many messages from the front were taken; the next fetch for the
   * partition starts after them (return fewer to see the rest again). Must not block.
   */
  readonly onBatch: (batch: DriverBatch) => number;
  /** The group (re)assigned partitions to this member; fetching starts after this returns. */
  readonly onAssigned: (assignment: ReadonlyMap<string, readonly number[]>) => void;
  /**
   * A rebalance started: the assignment may change and commits may soon be refused. `rejoinWaits`:
   * the driver rejoins only once the returned promise settles (the commits made meanwhile still
   * count, as in Java's onPartitionsRevoked); otherwise it rejoins at once.
   */
  readonly onRebalancing: (rejoinWaits: boolean) => Promise<void>;
  /** The client stopped consuming after an error it could not recover from (`restarting` if it will try again). */
  readonly onCrash: (error: unknown, restarting: boolean) => void;
}

export interface SubscribeOptions {
  /**
   * The topics' records are not due for a while after they are written (retry topics): the driver
   * may fetch them only about this often, delaying a record by up to this much (kafkajs does, to
   * keep them out of most fetches; the platformatic driver fetches them with every fetch).
   */
  readonly fetchEveryMs?: number;
}

/**
 * One group member. Its topics are fixed while it runs: to add one, `stop()`, `subscribe()` the new
 * topics and `run()` again (the same handlers); a topic cannot be removed, so dropping one takes a
 * new consumer.
 */
export interface DriverConsumer {
  /** Adds topics to the subscription; only before `run()` or after `stop()`. */
  subscribe(topics: readonly string[], fromBeginning: boolean, options?: SubscribeOptions): Promise<void>;
  /**
   * Joins the group and starts fetching; resolves once the first assignment is in, rejects if the
   * client gives up first (or does not join within the rebalance and session timeouts).
   */
  run(handlers: DriverConsumerHandlers): Promise<void>;
  /** Stops fetching and leaves the group; the connections stay, and `subscribe()`/`run()` may follow. */
  stop(): Promise<void>;
  /** Moves the next fetch of a partition (only valid from `onAssigned` or later). */
  seek(topic: string, partition: number, offset: string): void;
  /** Exactly these partitions are paused; every other assigned partition fetches. */
  setPaused(paused: ReadonlyArray<{ readonly topic: string; readonly partitions: readonly number[] }>): void;
  /**
   * Commits the next offset to read per partition for the current generation. Rejects with
   * `type: 'UNKNOWN_MEMBER_ID'` while the consumer is not a member (stopped, crashed, rejoining).
   */
  commit(
    offsets: ReadonlyArray<{ readonly topic: string; readonly partition: number; readonly offset: string }>,
  ): Promise<void>;
  /** Leaves the group and closes connections. */
  disconnect(): Promise<void>;
}

export type KafkaDriverName = 'kafkajs' | 'platformatic';

export interface DriverInfo {
  readonly driver: KafkaDriverName;
  /** The client library's version. */
  readonly clientVersion: string;
  readonly [detail: string]: unknown;
}

/** A client error as the adapter sees it: the root cause under the client's wrappers, driver-neutral. */
export interface ClientError {
  readonly name?: string;
  readonly message?: string;
  /** The Kafka protocol error name (`UNKNOWN_TOPIC_OR_PARTITION` …) when the broker answered one. */
  readonly type?: string;
  /** A system error code (`ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT` …) or the client's own. */
  readonly code?: string | number;
  readonly retriable?: boolean;
}

/** What a client error means, whatever the client: the adapter picks the `EventBusError` code from it. */
export type ClientErrorKind =
  | 'authentication'
  | 'connection'
  /** The broker closed a new connection at once (often a listener wanting TLS or SASL). */
  | 'connection-closed'
  | 'timeout'
  | 'unsupported';

export interface ClassifiedError {
  readonly root: ClientError;
  readonly kind: ClientErrorKind | undefined;
}
