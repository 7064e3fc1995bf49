import { LOG_LEVELS } from '@switchyard/core/transport';

/**
 * The values each choice option takes, in one place: `resolveKafkaOptions` checks options against
 * them, and the environment reader checks its variables against them so that its errors name the
 * variable the user set, not the option it becomes.
 */
export const KAFKA_CHOICES = {
  driver: ['kafkajs', 'platformatic'],
  groupProtocol: ['classic', 'consumer'],
  preset: ['durable', 'throughput', 'latency'],
  profile: ['local', 'cloud', 'cross-region'],
  acks: ['all', 'leader', 'none'],
  compression: ['none', 'gzip', 'snappy', 'lz4', 'zstd'],
  saslMechanism: ['plain', 'scram-sha-256', 'scram-sha-512'],
  logLevel: LOG_LEVELS,
} as const;
