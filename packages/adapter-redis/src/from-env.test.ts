import { isEventBusError } from '@switchyard/core';
import { warningsDuring } from '@switchyard/testkit';
import { describe, expect, it } from 'vitest';
import { redisOptionsFromEnv, transportFromEnv } from './from-env.ts';

describe('redisOptionsFromEnv', () => {
  it('reads REDIS_URL and the SWITCHYARD_REDIS_* settings with their types', () => {
    expect(
      redisOptionsFromEnv({
        REDIS_URL: 'redis://cache:6379',
        SWITCHYARD_REDIS_PRESET: 'latency',
        SWITCHYARD_REDIS_USERNAME: 'alice',
        SWITCHYARD_REDIS_PASSWORD: 's3cret',
        SWITCHYARD_REDIS_ACK_WAIT_MS: '15000',
        SWITCHYARD_REDIS_AUTO_CREATE_TOPICS: 'false',
        SWITCHYARD_REDIS_TLS_CA_FILE: '/etc/ca.pem',
        SWITCHYARD_REDIS_MAX_MESSAGES: '50000',
        SWITCHYARD_REDIS_MAX_AGE_MS: '3600000',
        SWITCHYARD_REDIS_STREAM_PREFIX: 'app:',
      }),
    ).toEqual({
      url: 'redis://cache:6379',
      preset: 'latency',
      username: 'alice',
      password: 's3cret',
      ackWaitMs: 15_000,
      autoCreateTopics: false,
      tls: { caFile: '/etc/ca.pem' },
      topicDefaults: { maxMessages: 50_000, maxAgeMs: 3_600_000 },
      streamPrefix: 'app:',
    });
  });

  it('lets SWITCHYARD_REDIS_URL win over REDIS_URL, turns TLS on by flag and ignores empty values', () => {
    expect(
      redisOptionsFromEnv({
        REDIS_URL: 'redis://a:1',
        SWITCHYARD_REDIS_URL: 'redis://b:2',
        SWITCHYARD_REDIS_TLS: 'true',
        SWITCHYARD_REDIS_PASSWORD: '',
      }),
    ).toEqual({ url: 'redis://b:2', tls: {} });
  });
});

describe('transportFromEnv', () => {
  it('builds an unconnected Redis transport', () => {
    const transport = transportFromEnv({ REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(transport.name).toBe('redis');
    expect(transport.headerPrefix).toBe('ce_');
    expect(transport.capabilities).toMatchObject({
      persistent: true,
      consumerGroups: true,
      orderingScope: 'instance',
      delayedRedelivery: true,
      topicAdmin: true,
    });
    expect(transport.health().state).toBe('disconnected');
  });

  it.each([
    [{ SWITCHYARD_REDIS_ACK_WAIT_MS: 'long' }, 'SWITCHYARD_REDIS_ACK_WAIT_MS'],
    [{ SWITCHYARD_REDIS_ACK_WAIT_MS: '10' }, 'SWITCHYARD_REDIS_ACK_WAIT_MS'],
    [{ SWITCHYARD_REDIS_AUTO_CREATE_TOPICS: 'maybe' }, 'SWITCHYARD_REDIS_AUTO_CREATE_TOPICS'],
    [{ SWITCHYARD_REDIS_PORT: '70000' }, 'SWITCHYARD_REDIS_PORT'],
    [{ REDIS_URL: 'http://alice:s3cret@x' }, 'REDIS_URL'],
    [{ SWITCHYARD_REDIS_URL: 'http://alice:s3cret@x' }, 'SWITCHYARD_REDIS_URL'],
    [{ SWITCHYARD_REDIS_USERNAME: 'alice' }, 'SWITCHYARD_REDIS_PASSWORD'],
  ])('names the variable at fault in %o', (env, variable) => {
    try {
      transportFromEnv(env);
      expect.unreachable();
    } catch (error) {
      expect(isEventBusError(error, 'INVALID_CONFIG')).toBe(true);
      expect((error as Error).message).toContain(variable);
      expect((error as Error).message).not.toContain('s3cret');
    }
  });
});

describe('a misspelt variable', () => {
  it('is named in a warning with the variable it probably meant, and the value is not secret-logged', () => {
    const said = warningsDuring(() =>
      transportFromEnv({ REDIS_URL: 'redis://127.0.0.1:6379', SWITCHYARD_REDIS_PASWORD: 'hunter2' }),
    );
    expect(said).toEqual([
      'SWITCHYARD_REDIS_PASWORD is set, but Switchyard reads no such variable, so it has no effect: did you mean SWITCHYARD_REDIS_PASSWORD?',
    ]);
    expect(said.join(' ')).not.toMatch(/hunter2/);
  });

  it.each([
    ['SWITCHYARD_REDIS_PASS', 'SWITCHYARD_REDIS_PASSWORD'],
    ['SWITCHYARD_REDIS_PWD', 'SWITCHYARD_REDIS_PASSWORD'],
    ['SWITCHYARD_REDIS_USER', 'SWITCHYARD_REDIS_USERNAME'],
  ])('%s, a short name for a credential, is pointed to %s', (variable, meant) => {
    const said = warningsDuring(() =>
      transportFromEnv({ REDIS_URL: 'redis://127.0.0.1:6379', [variable]: 'hunter2' }),
    );
    expect(said).toEqual([
      `${variable} is set, but Switchyard reads no such variable, so it has no effect: did you mean ${meant}?`,
    ]);
  });
});
