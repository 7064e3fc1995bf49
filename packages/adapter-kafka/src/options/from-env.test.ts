import { isEventBusError } from '@switchyard/core';
import { warningsDuring } from '@switchyard/testkit';
import { describe, expect, it } from 'vitest';
import { transportFromEnv } from '../kafka.ts';
import { kafkaOptionsFromEnv } from './from-env.ts';
import { resolveKafkaOptions } from './resolve.ts';

describe('kafkaOptionsFromEnv', () => {
  it('reads brokers and settings', () => {
    const options = kafkaOptionsFromEnv({
      KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093',
      SWITCHYARD_KAFKA_PRESET: 'throughput',
      SWITCHYARD_KAFKA_PROFILE: 'cloud',
      SWITCHYARD_KAFKA_COMPRESSION: 'zstd',
      SWITCHYARD_KAFKA_LINGER_MS: '20',
      SWITCHYARD_KAFKA_RETRY_TIERS_MS: '500, 5000',
      SWITCHYARD_KAFKA_TOPIC_REPLICATION_FACTOR: 'auto',
      SWITCHYARD_KAFKA_RETRY_TOPICS: 'false',
    });
    expect(options).toEqual({
      brokers: ['127.0.0.1:9092', '127.0.0.1:9093'],
      preset: 'throughput',
      profile: 'cloud',
      producer: { compression: 'zstd', lingerMs: 20 },
      retryTopics: { tiersMs: [500, 5000], enabled: false },
      autoCreateTopics: { replicationFactor: 'auto' },
    });
    expect(resolveKafkaOptions(options).producer.compression).toBe('zstd');
  });

  it('reads SASL and TLS with a CA file', () => {
    const options = kafkaOptionsFromEnv({
      SWITCHYARD_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
      SWITCHYARD_KAFKA_SASL_USERNAME: 'alice',
      SWITCHYARD_KAFKA_SASL_PASSWORD: 'secret',
      SWITCHYARD_KAFKA_TLS_CA_FILE: '/ca.pem',
      SWITCHYARD_KAFKA_TLS_SERVERNAME: 'kafka.internal',
      SWITCHYARD_KAFKA_CONNECT_TIMEOUT_MS: '2500',
    });
    expect(options.sasl).toEqual({ mechanism: 'scram-sha-256', username: 'alice', password: 'secret' });
    expect(options.tls).toEqual({ caFile: '/ca.pem', servername: 'kafka.internal' });
    expect(options.connectTimeoutMs).toBe(2500);
    expect(kafkaOptionsFromEnv({ SWITCHYARD_KAFKA_TLS: 'true' }).tls).toBe(true);
  });

  it('still reads the old SSL and CONNECTION_TIMEOUT_MS names, with a deprecation warning', () => {
    const warned: string[] = [];
    const emit = process.emitWarning;
    process.emitWarning = ((message: string) => warned.push(message)) as typeof process.emitWarning;
    try {
      const options = kafkaOptionsFromEnv({
        SWITCHYARD_KAFKA_SSL_CA_FILE: '/ca.pem',
        SWITCHYARD_KAFKA_CONNECTION_TIMEOUT_MS: '2500',
      });
      expect(options.tls).toEqual({ caFile: '/ca.pem' });
      expect(options.connectTimeoutMs).toBe(2500);
    } finally {
      process.emitWarning = emit;
    }
    expect(warned).toEqual([
      'SWITCHYARD_KAFKA_CONNECTION_TIMEOUT_MS is deprecated; use SWITCHYARD_KAFKA_CONNECT_TIMEOUT_MS',
      'SWITCHYARD_KAFKA_SSL_CA_FILE is deprecated; use SWITCHYARD_KAFKA_TLS_CA_FILE',
    ]);
  });

  it('names the variable when a value does not parse', () => {
    try {
      kafkaOptionsFromEnv({ SWITCHYARD_KAFKA_LINGER_MS: 'soon' });
      expect.unreachable();
    } catch (error) {
      expect(isEventBusError(error, 'INVALID_CONFIG')).toBe(true);
      expect((error as Error).message).toContain('SWITCHYARD_KAFKA_LINGER_MS');
    }
  });

  it.each([
    ['DRIVER', 'librdkafka', "'kafkajs', 'platformatic'"],
    ['PRESET', 'fast', "'durable', 'throughput', 'latency'"],
    ['PROFILE', 'aws', "'local', 'cloud', 'cross-region'"],
    ['ACKS', '1', "'all', 'leader', 'none'"],
    ['COMPRESSION', 'brotli', "'none', 'gzip', 'snappy', 'lz4', 'zstd'"],
    ['GROUP_PROTOCOL', 'kip848', "'classic', 'consumer'"],
    ['LOG_LEVEL', 'verbose', "'silent', 'error', 'warn', 'info', 'debug'"],
    ['SASL_MECHANISM', 'oauthbearer', "'plain', 'scram-sha-256', 'scram-sha-512'"],
  ])('names the variable when SWITCHYARD_KAFKA_%s is not one of its values', (suffix, value, allowed) => {
    // Before, these named the option (`driver`, `producer.acks` …), which the user never wrote.
    const error = (() => {
      try {
        kafkaOptionsFromEnv({ [`SWITCHYARD_KAFKA_${suffix}`]: value });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(isEventBusError(error, 'INVALID_CONFIG')).toBe(true);
    expect(error!.message).toContain(`SWITCHYARD_KAFKA_${suffix}`);
    expect(error!.message).toContain(`${JSON.stringify(value)} is not one of ${allowed}`);
  });

  it('reads the driver and the group protocol', () => {
    expect(
      kafkaOptionsFromEnv({
        SWITCHYARD_KAFKA_DRIVER: 'platformatic',
        SWITCHYARD_KAFKA_GROUP_PROTOCOL: 'consumer',
      }),
    ).toEqual({ driver: 'platformatic', groupProtocol: 'consumer' });
  });

  it('gives nothing for an empty environment (the defaults apply)', () => {
    expect(kafkaOptionsFromEnv({})).toEqual({});
  });
});

describe('a misspelt variable', () => {
  it('is named in a warning with the variable it probably meant, and the value is not secret-logged', () => {
    const said = warningsDuring(() =>
      transportFromEnv({
        KAFKA_BROKERS: '127.0.0.1:9092',
        SWITCHYARD_KAFKA_LINGER: '20',
        SWITCHYARD_KAFKA_COMPRESION: 'zstd',
      }),
    );
    expect(said).toEqual([
      'SWITCHYARD_KAFKA_LINGER is set, but Switchyard reads no such variable, so it has no effect: did you mean SWITCHYARD_KAFKA_LINGER_MS?',
      'SWITCHYARD_KAFKA_COMPRESION is set, but Switchyard reads no such variable, so it has no effect: did you mean SWITCHYARD_KAFKA_COMPRESSION?',
    ]);
    expect(said.join(' ')).not.toMatch(/hunter2/);
  });
});
