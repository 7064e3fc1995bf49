import type { ConnectionOptions } from 'node:tls';
import type { Logger, LogLevel, TlsSetting } from '@switchyard/core';

/** Named trade-offs; any field set explicitly overrides the preset. */
export type KafkaPreset = 'durable' | 'throughput' | 'latency';
/** Network timeouts and retry budgets sized to where the brokers are. */
export type DeploymentProfile = 'local' | 'cloud' | 'cross-region';
/**
 * - `all`: the leader waits for every in-sync replica; no acknowledged event is lost while one
 *   replica survives (with `min.insync.replicas` ≥ 2). For orders, payments, anything you must keep.
 * - `leader`: the leader alone confirms; an event acknowledged just before the leader dies can be
 *   lost. For logs and metrics. About one replication round trip faster.
 * - `none`: nobody confirms; publish resolves once the bytes are written to the socket and the
 *   receipt has no offset. Never the default.
 */
export type KafkaAcks = 'all' | 'leader' | 'none';
/** The Kafka client under the transport; see the README's driver table. */
export type KafkaDriverName = 'kafkajs' | 'platformatic';
/**
 * The consumer group protocol: `classic` (JoinGroup/SyncGroup, the client assigns) or `consumer`
 * (KIP-848, `group.protocol=consumer`: the broker assigns, rebalances are incremental; Kafka ≥ 4.0,
 * platformatic driver only).
 */
export type KafkaGroupProtocol = 'classic' | 'consumer';
export type KafkaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface KafkaSaslOptions {
  readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly username: string;
  /** Never logged and scrubbed from every error message. */
  readonly password: string;
}

export interface KafkaRetryOptions {
  /** Attempts after the first one for a failed request (metadata, produce, commit, admin). */
  readonly retries: number;
  /** First back-off; doubles (with jitter) up to `maxRetryTimeMs`. */
  readonly initialRetryTimeMs: number;
  readonly maxRetryTimeMs: number;
}

export interface KafkaProducerOptions {
  /** Who must confirm a write before publish resolves; see {@link KafkaAcks}. @default 'all' */
  readonly acks: KafkaAcks;
  /**
   * Broker-side de-duplication of producer retries (KIP-98): a retried batch is written once and
   * in order. Requires `acks: 'all'` and `maxInFlightRequests: 1`. @default true
   */
  readonly idempotent: boolean;
  /**
   * Batch compression. `lz4` is the best CPU/size trade-off for event payloads; `zstd` compresses
   * smaller at more CPU (Node's built-in zstd); `snappy` is pure JS here; `gzip` costs the most CPU.
   * None of them needs a native build. @default 'lz4' (durable, throughput), 'none' (latency)
   */
  readonly compression: KafkaCompression;
  /**
   * How long a partition's batch waits for more events before it is sent while the connection is
   * idle. `0` is adaptive: send at once when nothing is in flight to that broker, and while a
   * request is in flight let events accumulate into the next one — batches grow with load and an
   * idle producer adds no delay. A positive value also holds a batch that long when the broker is
   * idle, which costs a publisher with a bounded number of unconfirmed publishes `lingerMs` per
   * round trip. @default 0 (durable, latency), 1 (throughput)
   */
  readonly lingerMs: number;
  /** A partition's batch is closed at this many events. @default 1000 (durable, latency), 2000 (throughput) */
  readonly batchMaxMessages: number;
  /** A partition's batch is closed at this many bytes (uncompressed). @default 524288 (durable, throughput), 65536 (latency) */
  readonly batchMaxBytes: number;
  /**
   * Produce requests in flight per broker; a partition never has more than one batch in flight.
   * With `idempotent`: must be 1 on the kafkajs driver (it serialises them anyway), up to 5 on the
   * platformatic driver; a preset's value gives way to 1 when you turn idempotence on without
   * setting this. @default 1 (durable, latency), 5 (throughput)
   */
  readonly maxInFlightRequests: number;
  /** How long the broker may wait for replicas before answering a produce request (`acks: all`). @default 30000 */
  readonly produceTimeoutMs: number;
  /** Largest event (key, value and headers) accepted, matching the broker's `message.max.bytes`. @default 1048576 */
  readonly maxMessageBytes: number;
}

export interface KafkaConsumerOptions {
  /** The broker answers a fetch once it has this many bytes (or `maxWaitTimeMs` passed). @default 1 (durable, latency), 102400 (throughput) */
  readonly minBytes: number;
  /** Largest fetch response across partitions. @default 10485760 (10 MiB) */
  readonly maxBytes: number;
  /** Longest the broker holds a fetch waiting for `minBytes`. @default 500 (durable, throughput), 100 (latency) */
  readonly maxWaitTimeMs: number;
  /** Largest slice of one partition in a fetch (Java's max.partition.fetch.bytes). @default 1048576 */
  readonly maxBytesPerPartition: number;
  /** How often the contiguous prefix of acknowledged offsets is committed. @default 100 (durable), 1000 (throughput, latency) */
  readonly commitIntervalMs: number;
  /** A member that sends no heartbeat for this long is removed from the group. @default by profile: 10000 / 30000 / 45000 */
  readonly sessionTimeoutMs: number;
  /** Heartbeat period; must be below a third of `sessionTimeoutMs`. @default by profile: 1000 / 3000 / 5000 */
  readonly heartbeatIntervalMs: number;
  /** How long the group waits for members to rejoin during a rebalance. @default by profile: 30000 / 60000 / 90000 */
  readonly rebalanceTimeoutMs: number;
}

export interface KafkaRetryTopicOptions {
  /**
   * `nack({ delayMs })` moves the event to a retry topic (`<topic>.retry.<tier>`) so the
   * partition's offsets can advance; it comes back after the delay. With `false` a delayed nack
   * redelivers in-process after the delay and holds the partition's commit until then. @default true
   */
  readonly enabled: boolean;
  /**
   * Delay tiers in milliseconds, ascending. A nack goes to the smallest tier ≥ its delay (the
   * largest when none is) and is redelivered at its own due time. @default [1000, 10000, 60000, 600000]
   */
  readonly tiersMs: readonly number[];
}

export interface KafkaAutoCreateOptions {
  /** Partitions of a topic created on first use. @default 3 */
  readonly partitions: number;
  /** Replicas of a topic created on first use; `auto` is min(3, brokers). @default 'auto' */
  readonly replicationFactor: number | 'auto';
}

export interface KafkaTransportOptions {
  /** Bootstrap brokers, `host:port`. @default ['127.0.0.1:9092'] */
  readonly brokers?: readonly string[];
  /** Client id shown in broker logs and quotas. @default 'switchyard' */
  readonly clientId?: string;
  /**
   * The Kafka client: `kafkajs` (the default, patched for speed, unmaintained upstream) or
   * `platformatic` (@platformatic/kafka: maintained, faster, KIP-848). @default 'kafkajs'
   */
  readonly driver?: KafkaDriverName;
  /** Consumer group protocol; `consumer` (KIP-848) needs the platformatic driver. @default 'classic' */
  readonly groupProtocol?: KafkaGroupProtocol;
  /** @default 'durable' */
  readonly preset?: KafkaPreset;
  /** @default 'local' */
  readonly profile?: DeploymentProfile;
  /**
   * TLS: `true` for the system CAs, or core's `TlsOptions`: PEM contents (`ca`, `cert`, `key`)
   * or files (`caFile`, `certFile`, `keyFile`), `servername`, `rejectUnauthorized`. @default false
   */
  readonly tls?: TlsSetting;
  /** SASL credentials (PLAIN or SCRAM); combine with `tls` outside loopback. @default undefined */
  readonly sasl?: KafkaSaslOptions | undefined;
  /** TCP connect timeout per attempt, and the deadline for `connect()` as a whole. @default by profile: 5000 / 15000 / 30000 */
  readonly connectTimeoutMs?: number;
  /** Client-side timeout of one request. @default by profile: 10000 / 30000 / 60000 */
  readonly requestTimeoutMs?: number;
  /** SASL handshake timeout. @default by profile: 5000 / 10000 / 20000 */
  readonly authenticationTimeoutMs?: number;
  /** Client retry budget for failed requests. @default by profile: 5×100..2000 ms / 8×300..15000 ms / 10×500..30000 ms */
  readonly retry?: Partial<KafkaRetryOptions>;
  /** Topic metadata is refreshed at least this often (and at once after a leadership error). @default 300000 */
  readonly metadataMaxAgeMs?: number;
  readonly producer?: Partial<KafkaProducerOptions>;
  readonly consumer?: Partial<KafkaConsumerOptions>;
  readonly retryTopics?: Partial<KafkaRetryTopicOptions>;
  /** Create topics that do not exist on first send or consume; `false` leaves it to the broker. @default { partitions: 3, replicationFactor: 'auto' } */
  readonly autoCreateTopics?: Partial<KafkaAutoCreateOptions> | false;
  /**
   * The least severe lines written: the transport's own and the client's (kafkajs: connection
   * errors, group rebalances, retries), each prefixed `[switchyard:kafka]`, kafkajs' with its namespace. @default 'warn'
   */
  readonly logLevel?: LogLevel;
  /** Where log lines go: `console`, or a pino/winston-style logger. Secrets are replaced by `***`. @default console */
  readonly logger?: Logger;
}

/** Every option filled in: what the transport runs with after presets, profile and user values merge. */
export interface ResolvedKafkaOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly driver: KafkaDriverName;
  readonly groupProtocol: KafkaGroupProtocol;
  readonly preset: KafkaPreset;
  readonly profile: DeploymentProfile;
  /** Node's TLS connection options (files read), or `undefined` for no TLS. */
  readonly tls: ConnectionOptions | undefined;
  readonly sasl: KafkaSaslOptions | undefined;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly authenticationTimeoutMs: number;
  readonly retry: KafkaRetryOptions;
  readonly metadataMaxAgeMs: number;
  readonly producer: KafkaProducerOptions;
  readonly consumer: KafkaConsumerOptions;
  readonly retryTopics: KafkaRetryTopicOptions;
  readonly autoCreateTopics: KafkaAutoCreateOptions | false;
  readonly logLevel: LogLevel;
  readonly logger: Logger;
}
