/**
 * The Kafka transport (on kafkajs or @platformatic/kafka): `kafka(options)`, `transportFromEnv`, options and presets,
 * Java-compatible partitioning, retry topics.
 *
 * @packageDocumentation
 * @module @switchyard/adapter-kafka
 */
export { type PartitionPlan, recommendPartitions } from './admin/recommend-partitions.ts';
export { RETRY_HEADERS, retryTopicName } from './consumer/retry-topics.ts';
/**
 * For tools that make their own kafkajs clients beside the transport: the fixes the kafkajs driver
 * applies to kafkajs 2.2.4 when it loads (among them the request-queue timer that Node >= 23 reports
 * as a TimeoutNegativeWarning). Idempotent; another kafkajs version is left alone. Importing
 * `@switchyard/adapter-kafka/kafkajs` before kafkajs applies these and the driver's encoder and codecs.
 */
export { patchKafkajs } from './driver/kafkajs/kafkajs-patches.ts';
/** For tools that use a Kafka client beside the transport (the CLI): the adapter's one mapping of client errors. */
export { type ErrorContext as KafkaErrorContext, toEventBusError as toKafkaError } from './errors.ts';
export { kafka, transportFromEnv } from './kafka.ts';
export type { KafkaTransport } from './kafka-transport.ts';
export { kafkaOptionsFromEnv } from './options/from-env.ts';
export type {
  DeploymentProfile,
  KafkaAcks,
  KafkaAutoCreateOptions,
  KafkaCompression,
  KafkaConsumerOptions,
  KafkaPreset,
  KafkaProducerOptions,
  KafkaRetryOptions,
  KafkaRetryTopicOptions,
  KafkaSaslOptions,
  KafkaTransportOptions,
  ResolvedKafkaOptions,
} from './options/options.ts';
export { DEFAULT_KAFKA_OPTIONS, DEPLOYMENT_PROFILES, KAFKA_PRESETS } from './options/presets.ts';
export { resolveKafkaOptions } from './options/resolve.ts';
export { partitionForKey } from './producer/murmur2.ts';
