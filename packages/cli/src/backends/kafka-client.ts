// First: kafkajs prepared as the adapter's kafkajs driver prepares it, before kafkajs loads (its
// encoder and fixes, and the LZ4, Snappy and zstd codecs that reading compressed batches needs).
import '@switchyard/adapter-kafka/kafkajs';
import {
  type KafkaTransportOptions,
  kafkaOptionsFromEnv,
  type ResolvedKafkaOptions,
  resolveKafkaOptions,
  toKafkaError,
} from '@switchyard/adapter-kafka';
import { redactSecrets } from '@switchyard/core/transport';
import kafkajs from 'kafkajs';

type Env = Readonly<Record<string, string | undefined>>;

/** The adapter's options from the same environment variables DI reads (`KAFKA_BROKERS`, `SWITCHYARD_KAFKA_*`). */
export function kafkaOptions(env: Env): { given: KafkaTransportOptions; resolved: ResolvedKafkaOptions } {
  const given = kafkaOptionsFromEnv(env);
  return { given, resolved: resolveKafkaOptions(given) };
}

/** A kafkajs client with the adapter's connection settings (brokers, TLS, SASL, timeouts, retries). */
export function kafkaClient(options: ResolvedKafkaOptions): kafkajs.Kafka {
  return new kafkajs.Kafka({
    clientId: `${options.clientId}-cli`,
    brokers: [...options.brokers],
    ssl: options.tls ?? false,
    ...(options.sasl === undefined ? {} : { sasl: { ...options.sasl } as kafkajs.SASLOptions }),
    connectionTimeout: options.connectTimeoutMs,
    authenticationTimeout: options.authenticationTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    enforceRequestTimeout: true,
    retry: {
      retries: options.retry.retries,
      initialRetryTime: options.retry.initialRetryTimeMs,
      maxRetryTime: options.retry.maxRetryTimeMs,
    },
    // Failures reach the CLI as errors and are printed once, mapped; kafkajs' own log lines would repeat them.
    logLevel: kafkajs.logLevel.NOTHING,
  });
}

/** Any kafkajs error as the adapter maps it (closed code, secrets scrubbed). */
export function kafkaError(
  error: unknown,
  options: ResolvedKafkaOptions,
  operation: 'connect' | 'consume' | 'admin' | 'lag',
  topic?: string,
): Error {
  const secrets = options.sasl === undefined ? [] : [options.sasl.password];
  return toKafkaError(error, {
    operation,
    redact: (text) => redactSecrets(text, secrets),
    security: { tls: options.tls !== undefined, sasl: options.sasl !== undefined },
    ...(topic === undefined ? {} : { topic }),
  });
}

const LEADER_MOVING = new Set(['NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_OR_FOLLOWER']);

/**
 * Runs an admin call about `topic` again while its partitions have no leader yet. Right after a
 * topic is created (or while a leader moves) brokers answer NOT_LEADER_FOR_PARTITION, and kafkajs'
 * admin gives up after its own few retries: this keeps asking, refreshing the topic's metadata in
 * between, for up to ~5 s.
 */
export async function whileLeaderMoves<T>(
  admin: kafkajs.Admin,
  topic: string,
  call: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const type = (error as { type?: string }).type ?? '';
      if (!LEADER_MOVING.has(type) || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
      await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
    }
  }
}

/** A topic's low and high watermarks per partition. */
export function topicOffsets(
  admin: kafkajs.Admin,
  topic: string,
): Promise<Array<{ partition: number; offset: string; high: string; low: string }>> {
  return whileLeaderMoves(admin, topic, () => admin.fetchTopicOffsets(topic));
}
