import { isEventBusError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_KAFKA_OPTIONS } from './presets.ts';
import { resolveKafkaOptions } from './resolve.ts';

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (isEventBusError(error, 'INVALID_CONFIG')) return error.details.field as string;
    throw error;
  }
  return undefined;
}

describe('resolveKafkaOptions', () => {
  it('gives the durable preset on the local profile by default', () => {
    const o = resolveKafkaOptions();
    expect(o).toEqual(DEFAULT_KAFKA_OPTIONS);
    expect(o.producer).toMatchObject({
      acks: 'all',
      idempotent: true,
      compression: 'lz4',
      maxInFlightRequests: 1,
    });
    expect(o.connectTimeoutMs).toBe(5000);
  });

  it('merges preset < profile < the caller’s fields', () => {
    const o = resolveKafkaOptions({
      preset: 'throughput',
      profile: 'cloud',
      producer: { lingerMs: 25 },
      consumer: { sessionTimeoutMs: 60_000 },
    });
    expect(o.producer).toMatchObject({
      acks: 'leader',
      idempotent: false,
      lingerMs: 25,
      batchMaxMessages: 2000,
    });
    expect(o.consumer).toMatchObject({
      minBytes: 102_400,
      maxWaitTimeMs: 500,
      sessionTimeoutMs: 60_000,
      heartbeatIntervalMs: 3000,
    });
    expect(o.requestTimeoutMs).toBe(30_000);
    expect(o.retry.retries).toBe(8);
  });

  it('throughput preset lets batches fill for 1 ms and pipelines requests without idempotence', () => {
    const o = resolveKafkaOptions({ preset: 'throughput' });
    expect(o.producer).toMatchObject({
      acks: 'leader',
      idempotent: false,
      compression: 'lz4',
      lingerMs: 1,
      batchMaxBytes: 524_288,
      maxInFlightRequests: 5,
    });
    expect(o.consumer).toMatchObject({ minBytes: 102_400, maxWaitTimeMs: 500 });
  });

  it('throughput preset with idempotence asked for keeps one request in flight, unless set by hand', () => {
    const o = resolveKafkaOptions({ preset: 'throughput', producer: { acks: 'all', idempotent: true } });
    expect(o.producer).toMatchObject({ acks: 'all', idempotent: true, maxInFlightRequests: 1 });
    expect(
      fieldOf(() =>
        resolveKafkaOptions({
          preset: 'throughput',
          producer: { acks: 'all', idempotent: true, maxInFlightRequests: 5 },
        }),
      ),
    ).toBe('producer.maxInFlightRequests');
    expect(
      resolveKafkaOptions({ preset: 'throughput', producer: { acks: 'all' } }).producer.maxInFlightRequests,
    ).toBe(5);
  });

  it('latency preset has no linger and short fetch waits', () => {
    const o = resolveKafkaOptions({ preset: 'latency' });
    expect(o.producer.lingerMs).toBe(0);
    expect(o.producer.compression).toBe('none');
    expect(o.consumer.maxWaitTimeMs).toBe(100);
    expect(o.consumer.minBytes).toBe(1);
  });

  it('latency preset commits once a second, so commits seldom hold up a fetch on the shared connection', () => {
    expect(resolveKafkaOptions({ preset: 'latency' }).consumer.commitIntervalMs).toBe(1000);
    expect(
      resolveKafkaOptions({ preset: 'latency', consumer: { commitIntervalMs: 100 } }).consumer
        .commitIntervalMs,
    ).toBe(100);
  });

  it('cross-region profile stretches timeouts', () => {
    const o = resolveKafkaOptions({ profile: 'cross-region' });
    expect(o.connectTimeoutMs).toBe(30_000);
    expect(o.requestTimeoutMs).toBe(60_000);
  });

  it('ignores fields set to undefined instead of erasing the preset', () => {
    expect(
      resolveKafkaOptions({ producer: { batchMaxMessages: undefined } as never }).producer.batchMaxMessages,
    ).toBe(1000);
  });

  it('refuses idempotence without acks all, naming the field', () => {
    expect(fieldOf(() => resolveKafkaOptions({ producer: { acks: 'leader' } }))).toBe('producer.idempotent');
    expect(fieldOf(() => resolveKafkaOptions({ preset: 'throughput', producer: { idempotent: true } }))).toBe(
      'producer.idempotent',
    );
    expect(
      fieldOf(() => resolveKafkaOptions({ producer: { acks: 'leader', idempotent: false } })),
    ).toBeUndefined();
  });

  it('refuses an idempotent producer without retries, naming retry.retries', () => {
    expect(fieldOf(() => resolveKafkaOptions({ retry: { retries: 0 } }))).toBe('retry.retries');
    expect(
      resolveKafkaOptions({ retry: { retries: 0 }, producer: { idempotent: false } }).retry.retries,
    ).toBe(0);
  });

  it('names our option when given the client’s name for it', () => {
    const messageOf = (options: unknown) => {
      try {
        resolveKafkaOptions(options as never);
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(messageOf({ bootstrapBrokers: ['127.0.0.1:9092'] })).toMatch(/Did you mean `brokers`\?$/);
    expect(messageOf({ connectionTimeout: 3000 })).toMatch(/Did you mean `connectTimeoutMs`\?$/);
    expect(messageOf({ acks: -1 })).toMatch(/Did you mean `producer\.acks`\?$/);
    expect(messageOf({ producer: { lingerMS: 5 } })).toMatch(/Did you mean `producer\.lingerMs`\?$/);
  });

  it('names the bad field for each kind of mistake', () => {
    const cases: Array<[unknown, string]> = [
      [{ preset: 'fast' }, 'preset'],
      [{ profile: 'moon' }, 'profile'],
      [{ brokers: [] }, 'brokers'],
      [{ brokers: ['no-port'] }, 'brokers'],
      [{ producer: { compression: 'brotli' } }, 'producer.compression'],
      [{ producer: { lingerMs: -1 } }, 'producer.lingerMs'],
      [{ producer: { batchMaxMessages: 0 } }, 'producer.batchMaxMessages'],
      [{ producer: { maxInFlightRequests: 5 } }, 'producer.maxInFlightRequests'],
      [{ producer: { linger: 5 } }, 'producer.linger'],
      [{ consumer: { heartbeatIntervalMs: 5000, sessionTimeoutMs: 10_000 } }, 'consumer.heartbeatIntervalMs'],
      [{ consumer: { maxBytesPerPartition: 20_000_000 } }, 'consumer.maxBytesPerPartition'],
      [{ retryTopics: { tiersMs: [1000, 500] } }, 'retryTopics.tiersMs'],
      [{ sasl: { mechanism: 'gssapi', username: 'u', password: 'p' } }, 'sasl.mechanism'],
      [{ sasl: { mechanism: 'plain', username: 'u', password: '' } }, 'sasl.password'],
      [{ autoCreateTopics: { partitions: 0 } }, 'autoCreateTopics.partitions'],
      [{ logLevel: 'loud' }, 'logLevel'],
      [{ logLevel: 'nothing' }, 'logLevel'],
      [{ logger: () => {} }, 'logger'],
      [{ tls: 'yes' }, 'tls'],
      [{ tls: { cafile: '/ca.pem' } }, 'tls.cafile'],
      [{ tls: { caFile: '/no/such/ca.pem' } }, 'tls.caFile'],
      [{ ssl: true }, 'ssl'],
      [{ connectionTimeoutMs: 1000 }, 'connectionTimeoutMs'],
      [{ bootstrap: 'x' }, 'bootstrap'],
      [{ driver: 'rdkafka' }, 'driver'],
      [{ groupProtocol: 'eager' }, 'groupProtocol'],
      [{ groupProtocol: 'consumer' }, 'groupProtocol'],
      [{ driver: 'platformatic', producer: { maxInFlightRequests: 6 } }, 'producer.maxInFlightRequests'],
    ];
    for (const [options, field] of cases) {
      expect(
        fieldOf(() => resolveKafkaOptions(options as never)),
        JSON.stringify(options),
      ).toBe(field);
    }
  });

  it('runs on kafkajs with the classic group protocol by default; KIP-848 takes the platformatic driver', () => {
    expect(resolveKafkaOptions()).toMatchObject({ driver: 'kafkajs', groupProtocol: 'classic' });
    expect(resolveKafkaOptions({ driver: 'platformatic', groupProtocol: 'consumer' })).toMatchObject({
      driver: 'platformatic',
      groupProtocol: 'consumer',
    });
    // The platformatic client pipelines idempotent requests (up to the broker's five); kafkajs cannot.
    expect(
      resolveKafkaOptions({ driver: 'platformatic', producer: { maxInFlightRequests: 5 } }).producer
        .maxInFlightRequests,
    ).toBe(5);
  });

  it('points the old producer buffer options at core’s publish buffer', () => {
    expect(fieldOf(() => resolveKafkaOptions({ producer: { bufferMaxMessages: 10 } } as never))).toBe(
      'producer.bufferMaxMessages',
    );
    expect(() => resolveKafkaOptions({ producer: { whenBufferFull: 'fail' } } as never)).toThrow(
      /publishBuffer/,
    );
  });

  it('says what a renamed option is called now', () => {
    expect(() => resolveKafkaOptions({ ssl: true } as never)).toThrow(/renamed to `tls`/);
    expect(() => resolveKafkaOptions({ connectionTimeoutMs: 1 } as never)).toThrow(
      /renamed to `connectTimeoutMs`/,
    );
  });

  it('maps tls to Node TLS options: true, PEM contents, or files read once', () => {
    expect(resolveKafkaOptions().tls).toBeUndefined();
    expect(resolveKafkaOptions({ tls: false }).tls).toBeUndefined();
    expect(resolveKafkaOptions({ tls: true }).tls).toEqual({});
    expect(
      resolveKafkaOptions({ tls: { ca: 'PEM', servername: 'kafka.internal', rejectUnauthorized: true } }).tls,
    ).toEqual({
      ca: 'PEM',
      servername: 'kafka.internal',
      rejectUnauthorized: true,
    });
    const caFile = new URL(import.meta.url).pathname;
    expect(Buffer.isBuffer(resolveKafkaOptions({ tls: { caFile } }).tls?.ca)).toBe(true);
  });

  it('logs warnings to the console by default, and takes any console-shaped logger', () => {
    expect(resolveKafkaOptions()).toMatchObject({ logLevel: 'warn', logger: console });
    const logger = { warn: () => {}, error: () => {} };
    expect(resolveKafkaOptions({ logger, logLevel: 'silent' })).toMatchObject({ logger, logLevel: 'silent' });
  });

  it('never echoes a password in a configuration error', () => {
    try {
      resolveKafkaOptions({ sasl: { mechanism: 'scram-sha-512', username: '', password: 'hunter2-secret' } });
      expect.unreachable();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('hunter2');
    }
  });
});
