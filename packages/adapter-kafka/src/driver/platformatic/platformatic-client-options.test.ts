import { MultipleErrors, ResponseError } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { resolveKafkaOptions } from '../../options/resolve.ts';
import { baseClientOptions } from './platformatic-client-options.ts';

describe("the platformatic clients' connection settings", () => {
  it('sends TLS SNI: the servername given, else the broker host, but never an IP address', () => {
    const sni = (brokers: string[], servername?: string) =>
      baseClientOptions(
        resolveKafkaOptions({
          brokers,
          driver: 'platformatic',
          tls: servername === undefined ? {} : { servername },
        }),
      ).tlsServerName;
    expect(sni(['kafka-1.example.com:9093', 'kafka-2.example.com:9093'])).toBe(true);
    expect(sni(['10.0.0.7:9093'])).toBeUndefined();
    expect(sni(['[::1]:9093'])).toBeUndefined();
    expect(sni(['10.0.0.7:9093'], 'kafka.example.com')).toBe('kafka.example.com');
    expect(
      baseClientOptions(resolveKafkaOptions({ brokers: ['kafka:9092'], driver: 'platformatic' }))
        .tlsServerName,
    ).toBeUndefined();
  });

  it('retries a NOT_LEADER_OR_FOLLOWER answer (a partition made a moment ago) at once the first time, then backs off', () => {
    const { retryDelay } = baseClientOptions(
      resolveKafkaOptions({
        brokers: ['kafka:9092'],
        driver: 'platformatic',
        retry: { retries: 5, initialRetryTimeMs: 300, maxRetryTimeMs: 15_000 },
      }),
    );
    const delay = retryDelay as (...args: unknown[]) => number;
    const notLeader = new MultipleErrors('Listing offsets failed.', [
      new ResponseError(2, 7, { '/topics/0/partitions/0': [6, null] }, {}),
    ]);
    expect(delay(undefined, 'listOffsets', 1, 5, notLeader)).toBe(15);
    expect(delay(undefined, 'listOffsets', 2, 5, notLeader)).toBeGreaterThanOrEqual(480);
    const timeout = delay(undefined, 'listOffsets', 1, 5, new Error('Request timed out'));
    expect(timeout).toBeGreaterThanOrEqual(240);
    expect(timeout).toBeLessThanOrEqual(360);
  });
});
