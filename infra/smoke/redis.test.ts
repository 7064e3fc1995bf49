import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { brokerEnv, requireBroker } from '../env.ts';
import { uniqueName } from './helpers.ts';

// Fail fast instead of ioredis' default endless reconnecting.
const failFast = {
  lazyConnect: true,
  maxRetriesPerRequest: 0,
  retryStrategy: () => null,
  connectTimeout: 5_000,
};

async function streamRoundTrip(redis: Redis) {
  const stream = uniqueName('smoke-stream');
  await redis.xgroup('CREATE', stream, 'workers', '$', 'MKSTREAM');
  const ids: string[] = [];
  for (const n of ['1', '2', '3']) ids.push((await redis.xadd(stream, '*', 'n', n)) as string);
  const reply = (await redis.xreadgroup(
    'GROUP',
    'workers',
    'w1',
    'COUNT',
    10,
    'STREAMS',
    stream,
    '>',
  )) as Array<[string, Array<[string, string[]]>]>;
  const entries = reply[0]![1];
  expect(entries.map(([id]) => id)).toEqual(ids);
  expect(entries.map(([, fields]) => fields[1])).toEqual(['1', '2', '3']);
  expect(await redis.xack(stream, 'workers', ...ids)).toBe(3);
  await redis.del(stream);
}

const url = requireBroker('REDIS_URL', 'redis');
describe.skipIf(!url)('redis (streams)', () => {
  it('XADD, then XREADGROUP and XACK through a consumer group', async () => {
    const redis = new Redis(url!, failFast);
    try {
      await redis.connect();
      await streamRoundTrip(redis);
    } finally {
      redis.disconnect();
    }
  });
});

const secureUrl = requireBroker('REDIS_SECURE_URL', 'redis-secure');
describe.skipIf(!secureUrl)('redis-secure (TLS + ACL user)', () => {
  const tls = { ca: secureUrl ? readFileSync(brokerEnv('REDIS_SECURE_CA_FILE')!) : undefined };
  const username = brokerEnv('REDIS_SECURE_USER') ?? '';
  const password = brokerEnv('REDIS_SECURE_PASSWORD') ?? '';
  const host = secureUrl ? new URL(secureUrl).hostname : '';
  const port = secureUrl ? Number(new URL(secureUrl).port) : 0;

  it('refuses a wrong password', async () => {
    const redis = new Redis({ ...failFast, host, port, tls, username, password: `${password}-wrong` });
    // ioredis reports the server's refusal as an 'error' event, then rejects connect() with
    // "Connection is closed."; the refusal itself is what this test is about.
    const errors: string[] = [];
    redis.on('error', (e: Error) => errors.push(e.message));
    try {
      await expect(redis.connect()).rejects.toThrow();
      expect(errors.join('\n')).toMatch(/WRONGPASS/);
    } finally {
      redis.disconnect();
    }
  });

  it('accepts the right password (and the URL as written) and serves streams', async () => {
    const redis = new Redis(secureUrl!, { ...failFast, tls });
    try {
      await redis.connect();
      expect(await redis.acl('WHOAMI')).toBe(username);
      await streamRoundTrip(redis);
    } finally {
      redis.disconnect();
    }
  });
});
