import { isEventBusError } from '@switchyard/core';
import { warningsDuring } from '@switchyard/testkit';
import { describe, expect, it } from 'vitest';
import { natsOptionsFromEnv, transportFromEnv } from './from-env.ts';

describe('natsOptionsFromEnv', () => {
  it('reads NATS_URL and the SWITCHYARD_NATS_* settings with their types', () => {
    expect(
      natsOptionsFromEnv({
        NATS_URL: 'nats://a:4222,nats://b:4222',
        SWITCHYARD_NATS_PRESET: 'throughput',
        SWITCHYARD_NATS_USER: 'alice',
        SWITCHYARD_NATS_PASSWORD: 's3cret',
        SWITCHYARD_NATS_MAX_PENDING_ACKS: '2048',
        SWITCHYARD_NATS_AUTO_CREATE_TOPICS: 'false',
        SWITCHYARD_NATS_EPHEMERAL_TOPICS: 'metrics, heartbeats',
        SWITCHYARD_NATS_TLS_CA_FILE: '/etc/ca.pem',
        SWITCHYARD_NATS_STORAGE: 'memory',
        SWITCHYARD_NATS_REPLICAS: '3',
      }),
    ).toEqual({
      servers: ['nats://a:4222', 'nats://b:4222'],
      preset: 'throughput',
      user: 'alice',
      password: 's3cret',
      maxPendingAcks: 2048,
      autoCreateTopics: false,
      ephemeralTopics: ['metrics', 'heartbeats'],
      tls: { caFile: '/etc/ca.pem' },
      topicDefaults: { storage: 'memory', replicas: 3 },
    });
  });

  it('lets SWITCHYARD_NATS_SERVERS win over NATS_URL and ignores empty values', () => {
    expect(
      natsOptionsFromEnv({
        NATS_URL: 'nats://a:1',
        SWITCHYARD_NATS_SERVERS: 'nats://b:2',
        SWITCHYARD_NATS_TOKEN: '',
      }),
    ).toEqual({
      servers: ['nats://b:2'],
    });
  });
});

describe('transportFromEnv', () => {
  it('builds an unconnected NATS transport', () => {
    const transport = transportFromEnv({ NATS_URL: 'nats://127.0.0.1:4222' });
    expect(transport.name).toBe('nats');
    expect(transport.headerPrefix).toBe('ce-');
    expect(transport.capabilities).toMatchObject({
      persistent: true,
      orderingScope: 'instance',
      delayedRedelivery: true,
    });
  });

  it.each([
    [{ SWITCHYARD_NATS_MAX_PENDING_ACKS: 'lots' }, 'SWITCHYARD_NATS_MAX_PENDING_ACKS'],
    [{ SWITCHYARD_NATS_MAX_PENDING_ACKS: '0' }, 'SWITCHYARD_NATS_MAX_PENDING_ACKS'],
    [{ SWITCHYARD_NATS_AUTO_CREATE_TOPICS: 'maybe' }, 'SWITCHYARD_NATS_AUTO_CREATE_TOPICS'],
    [{ SWITCHYARD_NATS_STORAGE: 'disk' }, 'SWITCHYARD_NATS_STORAGE'],
    [{ SWITCHYARD_NATS_NKEY_SEED: 'SUsecretbutbroken' }, 'SWITCHYARD_NATS_NKEY_SEED'],
  ])('names the variable at fault in %o', (env, variable) => {
    try {
      transportFromEnv(env);
      expect.unreachable();
    } catch (error) {
      expect(isEventBusError(error, 'INVALID_CONFIG')).toBe(true);
      expect((error as Error).message).toContain(variable);
      expect((error as Error).message).not.toContain('SUsecretbutbroken');
    }
  });
});

describe('a misspelt variable', () => {
  it('is named in a warning with the variable it probably meant, and the value is not secret-logged', () => {
    const said = warningsDuring(() =>
      transportFromEnv({
        NATS_URL: 'nats://127.0.0.1:4222',
        SWITCHYARD_NATS_URL: 'nats://10.0.0.7:4222',
        SWITCHYARD_NATS_ACK_WAIT: '5000',
      }),
    );
    expect(said).toEqual([
      'SWITCHYARD_NATS_URL is set, but Switchyard reads no such variable, so it has no effect: did you mean SWITCHYARD_NATS_SERVERS (or NATS_URL)?',
      'SWITCHYARD_NATS_ACK_WAIT is set, but Switchyard reads no such variable, so it has no effect: did you mean SWITCHYARD_NATS_ACK_WAIT_MS?',
    ]);
    expect(said.join(' ')).not.toMatch(/hunter2/);
  });

  it('names the credential variable meant, not one that merely looks alike', () => {
    const said = warningsDuring(() =>
      transportFromEnv({
        NATS_URL: 'nats://127.0.0.1:4222',
        SWITCHYARD_NATS_USERNAME: 'orders',
        SWITCHYARD_NATS_PASS: 'hunter2',
        SWITCHYARD_NATS_NKEY: `SU${'A'.repeat(56)}`,
        SWITCHYARD_NATS_TLS_CA: '/etc/ca.pem',
      }),
    );
    expect(said.map((line) => line.replace(/^.*did you mean /, ''))).toEqual([
      'SWITCHYARD_NATS_USER?',
      'SWITCHYARD_NATS_PASSWORD?',
      'SWITCHYARD_NATS_NKEY_SEED?',
      'SWITCHYARD_NATS_TLS_CA_FILE?',
    ]);
    expect(said.join(' ')).not.toMatch(/hunter2/);
  });
});
