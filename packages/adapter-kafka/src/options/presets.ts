/**
 * The Kafka presets (`durable`, `throughput`, `latency`) and deployment profiles (`local`,
 * `cloud`, `cross-region`) as data, and the defaults a transport runs with when given nothing.
 *
 * @packageDocumentation
 * @module @switchyard/adapter-kafka/presets
 */
import type {
  DeploymentProfile,
  KafkaConsumerOptions,
  KafkaPreset,
  KafkaProducerOptions,
  KafkaRetryOptions,
  ResolvedKafkaOptions,
} from './options.ts';

export interface PresetValues {
  readonly producer: Partial<KafkaProducerOptions>;
  readonly consumer: Partial<KafkaConsumerOptions>;
}

/**
 * The trade-offs from the design plan (big batches, LZ4, fetch min 100 KB and 500 ms wait, acks as
 * a conscious choice), with adaptive batching instead of the plan's fixed 10 ms flush: a batch
 * grows while the previous request to the same broker is in flight, so a busy producer sends full
 * batches without waiting. A fixed linger also delays every round trip of a publisher that keeps a
 * bounded number of publishes unconfirmed, which made `throughput` the slowest preset (see the
 * README's presets table and bench/README.md).
 */
export const KAFKA_PRESETS: Readonly<Record<KafkaPreset, PresetValues>> = {
  durable: {
    producer: {
      acks: 'all',
      idempotent: true,
      compression: 'lz4',
      lingerMs: 0,
      batchMaxMessages: 1000,
      batchMaxBytes: 524_288,
    },
    consumer: { minBytes: 1, maxWaitTimeMs: 500, commitIntervalMs: 100 },
  },
  throughput: {
    producer: {
      acks: 'leader',
      idempotent: false,
      compression: 'lz4',
      // A batch is at least 1 ms old when it leaves: `acks: leader` is answered so soon that, with
      // linger 0, the next batch had less time to fill — more, smaller requests, which cost the
      // producer and the brokers more CPU per event (the preset was the slowest on the 3-node
      // cluster at 100 B). A request in flight longer than 1 ms (any busy producer) is not held by it.
      lingerMs: 1,
      batchMaxMessages: 2000,
      batchMaxBytes: 524_288,
      // Partitions of one broker that fill while a request is in flight go in a request of their
      // own; a partition still never has more than one batch in flight (key order holds).
      maxInFlightRequests: 5,
    },
    consumer: { minBytes: 102_400, maxWaitTimeMs: 500, commitIntervalMs: 1000 },
  },
  latency: {
    producer: {
      acks: 'all',
      idempotent: true,
      compression: 'none',
      lingerMs: 0,
      batchMaxMessages: 1000,
      batchMaxBytes: 65_536,
    },
    // Commits every second, not every 100 ms: a commit goes to the group coordinator over the
    // connection the fetches use, and a broker answers one request per connection at a time, so a
    // fetch sent while a commit is outstanding waits for it (a few percent of fetches at 100 ms;
    // bench/README.md has the probe).
    consumer: { minBytes: 1, maxWaitTimeMs: 100, commitIntervalMs: 1000 },
  },
};

export interface ProfileValues {
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly authenticationTimeoutMs: number;
  readonly retry: KafkaRetryOptions;
  readonly consumer: Pick<
    KafkaConsumerOptions,
    'sessionTimeoutMs' | 'heartbeatIntervalMs' | 'rebalanceTimeoutMs'
  >;
}

/** Timeouts by distance to the brokers: ~5–10 s on a LAN, 15–30 s in a cloud, 30–60 s across regions. */
export const DEPLOYMENT_PROFILES: Readonly<Record<DeploymentProfile, ProfileValues>> = {
  local: {
    connectTimeoutMs: 5000,
    requestTimeoutMs: 10_000,
    authenticationTimeoutMs: 5000,
    retry: { retries: 5, initialRetryTimeMs: 100, maxRetryTimeMs: 2000 },
    consumer: { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000, rebalanceTimeoutMs: 30_000 },
  },
  cloud: {
    connectTimeoutMs: 15_000,
    requestTimeoutMs: 30_000,
    authenticationTimeoutMs: 10_000,
    retry: { retries: 8, initialRetryTimeMs: 300, maxRetryTimeMs: 15_000 },
    consumer: { sessionTimeoutMs: 30_000, heartbeatIntervalMs: 3000, rebalanceTimeoutMs: 60_000 },
  },
  'cross-region': {
    connectTimeoutMs: 30_000,
    requestTimeoutMs: 60_000,
    authenticationTimeoutMs: 20_000,
    retry: { retries: 10, initialRetryTimeMs: 500, maxRetryTimeMs: 30_000 },
    consumer: { sessionTimeoutMs: 45_000, heartbeatIntervalMs: 5000, rebalanceTimeoutMs: 90_000 },
  },
};

const BASE_PRODUCER: KafkaProducerOptions = {
  acks: 'all',
  idempotent: true,
  compression: 'lz4',
  lingerMs: 0,
  batchMaxMessages: 1000,
  batchMaxBytes: 524_288,
  maxInFlightRequests: 1,
  produceTimeoutMs: 30_000,
  maxMessageBytes: 1_048_576,
};

const BASE_CONSUMER: KafkaConsumerOptions = {
  minBytes: 1,
  maxBytes: 10 * 1024 * 1024,
  maxWaitTimeMs: 500,
  maxBytesPerPartition: 1_048_576,
  commitIntervalMs: 100,
  ...DEPLOYMENT_PROFILES.local.consumer,
};

/** The options a transport runs with when given nothing: the `durable` preset and the `local` profile. */
export const DEFAULT_KAFKA_OPTIONS: ResolvedKafkaOptions = {
  brokers: ['127.0.0.1:9092'],
  clientId: 'switchyard',
  driver: 'kafkajs',
  groupProtocol: 'classic',
  preset: 'durable',
  profile: 'local',
  tls: undefined,
  sasl: undefined,
  connectTimeoutMs: DEPLOYMENT_PROFILES.local.connectTimeoutMs,
  requestTimeoutMs: DEPLOYMENT_PROFILES.local.requestTimeoutMs,
  authenticationTimeoutMs: DEPLOYMENT_PROFILES.local.authenticationTimeoutMs,
  retry: DEPLOYMENT_PROFILES.local.retry,
  metadataMaxAgeMs: 300_000,
  producer: BASE_PRODUCER,
  consumer: BASE_CONSUMER,
  retryTopics: { enabled: true, tiersMs: [1000, 10_000, 60_000, 600_000] },
  autoCreateTopics: { partitions: 3, replicationFactor: 'auto' },
  logLevel: 'warn',
  logger: console,
};
