import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { isEventBusError } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { kafka } from './kafka.ts';
import type { KafkaLogEntry, KafkaSaslOptions, KafkaTransportOptions } from './options/options.ts';
import { requireBroker, secureSetting } from './test-support/brokers.ts';
import { event, KafkaFixture, waitFor } from './test-support/fixture.ts';

const BROKERS = requireBroker('KAFKA_SECURE_BROKERS', 'kafka-secure');

describe.skipIf(BROKERS === undefined)('kafka transport against the SASL_SSL broker', () => {
  const fx = new KafkaFixture(BROKERS ?? '');
  afterEach(() => fx.cleanup());
  const ca = () => readFileSync(secureSetting('CA_FILE'), 'utf8');
  const scram = (): KafkaSaslOptions => ({
    mechanism: secureSetting('MECHANISM') as KafkaSaslOptions['mechanism'],
    username: secureSetting('USER'),
    password: secureSetting('PASSWORD'),
  });
  const secure = (sasl: KafkaSaslOptions, extra: KafkaTransportOptions = {}): KafkaTransportOptions => ({
    ssl: { ca: [ca()] },
    sasl,
    ...extra,
  });

  it('publishes and consumes over TLS with SCRAM', async () => {
    const transport = await fx.transport(secure(scram()));
    const topic = fx.topic('scram');
    await transport.ensureTopic({ name: topic, partitions: 2, strategy: 'create-or-update' });
    const { received } = await fx.collect(transport, { topic, group: 'secure' });
    const outcomes = await transport.send([event(topic, 1), event(topic, 2)]);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    await waitFor('both events', () => received.length === 2);
  });

  it('connects over TLS with SASL PLAIN', async () => {
    const transport = await fx.transport(
      secure({
        mechanism: 'plain',
        username: secureSetting('PLAIN_USER'),
        password: secureSetting('PLAIN_PASSWORD'),
      }),
    );
    const [outcome] = await transport.send([event(fx.topic('plain'), 1)]);
    expect(outcome!.ok).toBe(true);
  });

  it('rejects a wrong password with AUTHENTICATION_FAILED and keeps it out of errors and logs', async () => {
    const password = `wrong-${Date.now()}-secret`;
    const lines: KafkaLogEntry[] = [];
    const transport = kafka({
      brokers: [BROKERS!],
      ...secure({ ...scram(), password }),
      logLevel: 'debug',
      logger: (entry) => lines.push(entry),
    });
    const started = Date.now();
    const error = await transport.connect().catch((e: unknown) => e);
    expect(isEventBusError(error, 'AUTHENTICATION_FAILED')).toBe(true);
    expect((error as Error).message).toMatch(/SASL/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(inspect(error, { depth: 10 })).not.toContain(password);
    expect(JSON.stringify(lines)).not.toContain(password);
    expect(lines.length).toBeGreaterThan(0);
    expect(transport.health().lastError).not.toContain(password);
    await transport.close();
  });

  it('refuses a SASL mechanism the broker has not enabled with AUTHENTICATION_FAILED', async () => {
    // The secured broker enables SCRAM-SHA-512 and PLAIN only.
    const transport = kafka({ brokers: [BROKERS!], ...secure({ ...scram(), mechanism: 'scram-sha-256' }) });
    const error = await transport.connect().catch((e: unknown) => e);
    expect(isEventBusError(error, 'AUTHENTICATION_FAILED')).toBe(true);
    await transport.close();
  });

  it('fails TLS verification without the CA as a non-retriable CONNECTION_FAILED', async () => {
    const transport = kafka({ brokers: [BROKERS!], ssl: true, sasl: scram(), connectionTimeoutMs: 5000 });
    const error = await transport.connect().catch((e: unknown) => e);
    expect(isEventBusError(error, 'CONNECTION_FAILED')).toBe(true);
    expect((error as Error).message).not.toContain(secureSetting('PASSWORD'));
    await transport.close();
  });
});
