import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MultipleErrors, ResponseError } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { resolveKafkaOptions } from '../../options/resolve.ts';
import { baseClientOptions, createPlatformaticDriver, onlyApiId } from './platformatic-driver.ts';

const run = promisify(execFile);

describe('platformatic driver', () => {
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

  it('stops a connect that a disconnect overtook, and opens no client after it', async () => {
    const options = resolveKafkaOptions({
      brokers: ['127.0.0.1:1'],
      driver: 'platformatic',
      connectTimeoutMs: 1000,
      retry: { retries: 8, initialRetryTimeMs: 2000, maxRetryTimeMs: 2000 },
    });
    const driver = createPlatformaticDriver(options, () => {});
    const connecting = driver.connect().catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the first attempt failed: sleeping
    const started = Date.now();
    await driver.disconnect();
    expect(await connecting).toMatchObject({ code: 'CLOSED' });
    expect(Date.now() - started).toBeLessThan(1000); // not after the 2 s back-off
    // lag() after close, say: no new admin client
    await expect(driver.topicOffsets('orders')).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(driver.brokerCount()).rejects.toMatchObject({ code: 'CLOSED' });
  });
});

describe('loading the platformatic driver', () => {
  it('loads @platformatic/kafka only for transports that use it', async () => {
    // A Node where @platformatic/kafka cannot load (older than it needs): kafkajs users are unaffected,
    // and a platformatic transport says why it cannot connect.
    const script = `
      import { registerHooks } from 'node:module';
      registerHooks({
        load(url, context, next) {
          if (url.includes('/@platformatic/kafka/')) throw new Error('@platformatic/kafka needs a newer Node');
          return next(url, context);
        },
      });
      const { kafka } = await import(${JSON.stringify(fileURLToPath(new URL('../../index.ts', import.meta.url)))});
      kafka({ brokers: ['127.0.0.1:1'] });
      const transport = kafka({ brokers: ['127.0.0.1:1'], driver: 'platformatic' });
      const health = transport.health();
      const error = await transport.connect().catch((e) => e);
      console.log(JSON.stringify({ driver: health.details.driver, code: error.code, message: error.message }));
    `;
    const { stdout } = await run(
      process.execPath,
      ['--conditions=@switchyard/source', '--no-warnings', '--input-type=module', '-e', script],
      { timeout: 30_000 },
    );
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, string>;
    expect(result.driver).toBe('platformatic');
    expect(result.code).toBe('UNSUPPORTED');
    expect(result.message).toMatch(/could not be loaded on Node .*README/);
  });
});

describe('onlyApiId (a CreateTopics answer where every topic named exists already)', () => {
  // ProtocolError codes: 36 TOPIC_ALREADY_EXISTS, 38 INVALID_REPLICATION_FACTOR.
  const answer = (codes: Record<string, number>) =>
    new MultipleErrors('Creating topics failed.', [
      new ResponseError(
        19,
        7,
        Object.fromEntries(Object.entries(codes).map(([path, code]) => [path, [code, null]])),
        {},
      ),
    ]);

  it('is true when each failed topic exists already', () => {
    expect(onlyApiId(answer({ '/topics/0': 36, '/topics/2': 36 }), 'TOPIC_ALREADY_EXISTS')).toBe(true);
  });

  it('is false when one topic failed for another reason, or for an error with no broker code', () => {
    expect(onlyApiId(answer({ '/topics/0': 36, '/topics/1': 38 }), 'TOPIC_ALREADY_EXISTS')).toBe(false);
    expect(
      onlyApiId(
        new MultipleErrors('Creating topics failed.', [new Error('ECONNREFUSED')]),
        'TOPIC_ALREADY_EXISTS',
      ),
    ).toBe(false);
    expect(onlyApiId(new MultipleErrors('Creating topics failed.', []), 'TOPIC_ALREADY_EXISTS')).toBe(false);
  });
});
