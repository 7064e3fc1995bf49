import { isEventBusError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REDIS_OPTIONS, parseRedisUrl, redactUrl, resolveRedisOptions } from './options.ts';

function configFailure(run: () => unknown): { field: unknown; message: string } {
  try {
    run();
  } catch (error) {
    if (isEventBusError(error, 'INVALID_CONFIG'))
      return { field: error.details.field, message: error.message };
    throw error;
  }
  throw new Error('expected INVALID_CONFIG');
}

describe('resolveRedisOptions', () => {
  it('gives the documented defaults when nothing is set', () => {
    const o = resolveRedisOptions();
    expect(o).toMatchObject({
      url: 'redis://127.0.0.1:6379/0',
      host: '127.0.0.1',
      port: 6379,
      db: 0,
      username: undefined,
      password: undefined,
      tls: undefined,
      ackWaitMs: DEFAULT_REDIS_OPTIONS.ackWaitMs,
      autoCreateTopics: true,
      topicDefaults: { maxMessages: 1_000_000, maxAgeMs: 0 },
    });
  });

  it('takes host, port, database, credentials and TLS from the URL, and keeps the password out of `url`', () => {
    const o = resolveRedisOptions({ url: 'rediss://alice:s%40cret@redis.internal:6380/2' });
    expect(o).toMatchObject({
      host: 'redis.internal',
      port: 6380,
      db: 2,
      username: 'alice',
      password: 's@cret',
    });
    expect(o.tls).toEqual({});
    expect(o.url).toBe('rediss://redis.internal:6380/2');
  });

  it('lets explicit options override the URL', () => {
    const o = resolveRedisOptions({
      url: 'redis://alice:one@a:1',
      host: 'b',
      port: 2,
      password: 'two',
      tls: { caFile: '/ca.pem' },
    });
    expect(o).toMatchObject({
      host: 'b',
      port: 2,
      username: 'alice',
      password: 'two',
      url: 'rediss://b:2/0',
    });
  });

  it('merges topic defaults field by field', () => {
    expect(resolveRedisOptions({ topicDefaults: { maxAgeMs: 60_000 } }).topicDefaults).toEqual({
      maxMessages: 1_000_000,
      maxAgeMs: 60_000,
    });
  });

  it.each([
    [{ url: 'http://x:1' }, 'url'],
    [{ url: 'redis://x:1/zero' }, 'url'],
    [{ port: 0 }, 'port'],
    [{ db: -1 }, 'db'],
    [{ host: 'a b' }, 'host'],
    [{ username: 'alice' }, 'password'],
    [{ connectTimeoutMs: 0 }, 'connectTimeoutMs'],
    [{ ackWaitMs: 500 }, 'ackWaitMs'],
    [{ claimIntervalMs: 1 }, 'claimIntervalMs'],
    [{ fetchExpiresMs: 0 }, 'fetchExpiresMs'],
    [{ maxMessageBytes: 0 }, 'maxMessageBytes'],
    [{ preset: 'fast' as never }, 'preset'],
    [{ streamPrefix: 'a b' }, 'streamPrefix'],
    [{ topicDefaults: { maxMessages: 0 } }, 'topicDefaults.maxMessages'],
    [{ topicDefaults: { maxAgeMs: -5 } }, 'topicDefaults.maxAgeMs'],
    [{ logger: {} as never }, 'logger'],
    [{ conectTimeoutMs: 3_000 } as never, 'conectTimeoutMs'],
    [{ topicDefaults: { maxLength: 10 } } as never, 'topicDefaults.maxLength'],
    [{ url: 6379 } as never, 'url'],
  ])('rejects %o naming %s', (options, field) => {
    expect(configFailure(() => resolveRedisOptions(options)).field).toBe(field);
  });

  it('names our option when given ioredis’ name for it', () => {
    expect(configFailure(() => resolveRedisOptions({ connectTimeout: 2000 } as never)).message).toMatch(
      /Did you mean `connectTimeoutMs`\?$/,
    );
    expect(configFailure(() => resolveRedisOptions({ keyPrefix: 'app:' } as never)).message).toMatch(
      /Did you mean `streamPrefix`\?$/,
    );
  });

  it('names the known options when one is misspelled', () => {
    expect(configFailure(() => resolveRedisOptions({ conectTimeoutMs: 3_000 } as never)).message).toMatch(
      /unknown option; known ones are url, .*connectTimeoutMs/,
    );
  });

  it('never repeats a password from the URL in its error', () => {
    const failure = configFailure(() => resolveRedisOptions({ url: 'redis://alice:s3cret@host:1/x y' }));
    expect(failure.message).not.toContain('s3cret');
    const scheme = configFailure(() => resolveRedisOptions({ url: 'http://alice:s3cret@host:1' }));
    expect(scheme.message).not.toContain('s3cret');
  });
});

describe('parseRedisUrl', () => {
  it('fills in the default port and database', () => {
    expect(parseRedisUrl('redis://cache')).toMatchObject({ host: 'cache', port: 6379, db: 0, tls: false });
    expect(parseRedisUrl('redis://[::1]:7000')).toMatchObject({ host: '::1', port: 7000 });
  });
});

describe('redactUrl', () => {
  it('hides the user info of a URL', () => {
    expect(redactUrl('redis://alice:s3cret@127.0.0.1:6379')).toBe('redis://***@127.0.0.1:6379');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
});
