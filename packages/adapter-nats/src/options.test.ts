import { isEventBusError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { nats } from './nats.ts';
import { DEFAULT_NATS_OPTIONS, redactUrl, resolveNatsOptions } from './options.ts';

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

describe('resolveNatsOptions', () => {
  it('gives the documented defaults when nothing is set', () => {
    const o = resolveNatsOptions();
    expect(o.servers).toEqual(['nats://127.0.0.1:4222']);
    expect(o.maxPendingAcks).toBe(DEFAULT_NATS_OPTIONS.maxPendingAcks);
    expect(o.topicDefaults.storage).toBe('file');
    expect(o.topicDefaults.duplicateWindowMs).toBe(120_000);
    expect(o.autoCreateTopics).toBe(true);
  });

  it('splits a comma-separated server list', () => {
    expect(resolveNatsOptions({ servers: 'nats://a:4222, nats://b:4222' }).servers).toEqual([
      'nats://a:4222',
      'nats://b:4222',
    ]);
  });

  it('applies the preset and lets a given field override it', () => {
    expect(resolveNatsOptions({ preset: 'throughput' }).maxPendingAcks).toBe(8_192);
    expect(resolveNatsOptions({ preset: 'throughput', maxPendingAcks: 10 }).maxPendingAcks).toBe(10);
  });

  it('merges topic defaults field by field', () => {
    const o = resolveNatsOptions({ topicDefaults: { storage: 'memory' } });
    expect(o.topicDefaults).toMatchObject({ storage: 'memory', retention: 'limits', replicas: 1 });
  });

  it.each([
    [{ maxPendingAcks: 0 }, 'maxPendingAcks'],
    [{ connectTimeoutMs: -1 }, 'connectTimeoutMs'],
    [{ fetchExpiresMs: 500 }, 'fetchExpiresMs'],
    [{ publishAttemptTimeoutMs: 20_000, publishTimeoutMs: 10_000 }, 'publishAttemptTimeoutMs'],
    [{ servers: [] }, 'servers'],
    [{ servers: 'not a url' }, 'servers'],
    [{ preset: 'fast' as never }, 'preset'],
    [{ topicDefaults: { storage: 'disk' as never } }, 'topicDefaults.storage'],
    [{ topicDefaults: { retention: 'forever' as never } }, 'topicDefaults.retention'],
    [{ streamPrefix: 'a.b' }, 'streamPrefix'],
    [{ password: 'pw' }, 'user'],
    [{ user: 'u', token: 't' }, 'token'],
    [{ conectTimeoutMs: 3_000 } as never, 'conectTimeoutMs'],
    [{ topicDefaults: { maxAge: 60_000 } } as never, 'topicDefaults.maxAge'],
    [{ servers: 4222 } as never, 'servers'],
    [{ servers: ['nats://a:4222', 4222] } as never, 'servers'],
  ])('rejects %o naming %s', (options, field) => {
    expect(configFailure(() => resolveNatsOptions(options)).field).toBe(field);
  });

  it('names the known options when one is misspelled', () => {
    expect(configFailure(() => resolveNatsOptions({ conectTimeoutMs: 3_000 } as never)).message).toMatch(
      /unknown option; known ones are servers, .*connectTimeoutMs/,
    );
  });

  it('names our option when given nats.js’ name for it, without repeating the value', () => {
    const failure = configFailure(() => resolveNatsOptions({ user: 'orders', pass: 's3cret' } as never));
    expect(failure.field).toBe('pass');
    expect(failure.message).toMatch(/Did you mean `password`\?$/);
    expect(failure.message).not.toContain('s3cret');
    expect(configFailure(() => resolveNatsOptions({ timeout: 2000 } as never)).message).toMatch(
      /Did you mean `connectTimeoutMs`\?$/,
    );
  });

  it('points a top-level option that only exists nested to where it belongs', () => {
    const failure = configFailure(() =>
      nats({ servers: 'tls://nats.internal:4222', handshakeFirst: true } as never),
    );
    expect(failure.field).toBe('handshakeFirst');
    expect(failure.message).toMatch(/Did you mean `tls\.handshakeFirst`\?$/);
    expect(configFailure(() => nats({ caFile: '/etc/ca.pem' } as never)).message).toMatch(
      /Did you mean `tls\.caFile`\?$/,
    );
    expect(configFailure(() => nats({ storage: 'memory' } as never)).message).toMatch(
      /Did you mean `topicDefaults\.storage`\?$/,
    );
  });

  it('refuses a misspelt field inside tls, suggesting the one meant', () => {
    // `tls: { handshakefirst: true }` was dropped without a word: the client then waited for the
    // server's INFO on a server that expects the TLS handshake first.
    const failure = configFailure(() =>
      nats({ servers: 'tls://nats.internal:4222', tls: { handshakefirst: true } } as never),
    );
    expect(failure.field).toBe('tls.handshakefirst');
    expect(failure.message).toMatch(/Did you mean `tls\.handshakeFirst`\?$/);
    expect(() => nats({ tls: true })).not.toThrow();
    expect(() => nats({ tls: { handshakeFirst: true, caFile: '/etc/ca.pem' } })).not.toThrow();
  });

  it('never repeats a secret in its error', () => {
    const seed = `SU${'x'.repeat(56)}`;
    const failure = configFailure(() => resolveNatsOptions({ nkeySeed: seed }));
    expect(failure.field).toBe('nkeySeed');
    expect(failure.message).not.toContain(seed);
    const url = configFailure(() => resolveNatsOptions({ servers: 'nats://alice:s3cret@host:4222/x y' }));
    expect(url.message).not.toContain('s3cret');
  });
});

describe('redactUrl', () => {
  it('hides the user info of a URL', () => {
    expect(redactUrl('nats://alice:s3cret@127.0.0.1:4222')).toBe('nats://***@127.0.0.1:4222');
    expect(redactUrl('nats://127.0.0.1:4222')).toBe('nats://127.0.0.1:4222');
  });
});
