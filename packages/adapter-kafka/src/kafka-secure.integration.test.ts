import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { createEventBus, isEventBusError } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { kafka } from './kafka.ts';
import type { KafkaSaslOptions, KafkaTransportOptions } from './options/options.ts';
import { requireBroker, secureSetting } from './test-support/brokers.ts';
import { CountingProxy } from './test-support/counting-proxy.ts';
import { event, KAFKA_DRIVERS, KafkaFixture, waitFor } from './test-support/fixture.ts';
import { logLines } from './test-support/log-lines.ts';

const BROKERS = requireBroker('KAFKA_SECURE_BROKERS', 'kafka-secure');

for (const driver of KAFKA_DRIVERS) {
  describe.skipIf(BROKERS === undefined)(`kafka transport against the SASL_SSL broker (${driver})`, () => {
    const fx = new KafkaFixture(BROKERS ?? '', driver);
    afterEach(() => fx.cleanup());
    const scram = (): KafkaSaslOptions => ({
      mechanism: secureSetting('MECHANISM') as KafkaSaslOptions['mechanism'],
      username: secureSetting('USER'),
      password: secureSetting('PASSWORD'),
    });
    const secure = (sasl: KafkaSaslOptions, extra: KafkaTransportOptions = {}): KafkaTransportOptions => ({
      tls: { caFile: secureSetting('CA_FILE') },
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
      const { logger, lines } = logLines();
      const transport = kafka({
        driver,
        brokers: [BROKERS!],
        ...secure({ ...scram(), password }),
        logLevel: 'debug',
        logger,
      });
      const started = Date.now();
      const error = await transport.connect().catch((e: unknown) => e);
      expect(isEventBusError(error, 'AUTHENTICATION_FAILED')).toBe(true);
      expect((error as Error).message).toMatch(/SASL/);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(inspect(error, { depth: 10 })).not.toContain(password);
      expect(JSON.stringify(lines)).not.toContain(password);
      // kafkajs' own lines come through the same logger, with the transport's prefix and their namespace.
      if (driver === 'kafkajs') {
        expect(
          lines.some((line) =>
            /^\w+ \[switchyard:kafka\] \[(Connection|BrokerPool|SASLAuthenticator)\]/.test(line),
          ),
        ).toBe(true);
      }
      expect(transport.health().lastError).not.toContain(password);
      await transport.close();
    });

    it('backs off after a wrong password instead of opening a connection per emit', async () => {
      // Every connection goes through a proxy that counts them (a wrong password never gets as far
      // as the metadata that would point the client at the broker's own address).
      const proxy = await CountingProxy.start(BROKERS!);
      const errors: Error[] = [];
      try {
        const transport = kafka({
          driver,
          brokers: [proxy.address],
          ...secure({ ...scram(), password: 'wrong-password-1b2c' }),
        });
        const bus = createEventBus({ source: 'emitter', transport, onError: (e) => errors.push(e) });
        const started = Date.now();
        while (Date.now() - started < 2_500) {
          bus.emit('auth.backoff', { type: 'tick', data: Date.now() });
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        await waitFor('the last emits to fail', () => errors.length > 100);
        // Connects at 0 s, 1 s and 3 s at most (doubling from 1 s), not one per emit (~200).
        expect(proxy.connections).toBeLessThanOrEqual(3);
        expect(errors.filter((e) => !isEventBusError(e, 'AUTHENTICATION_FAILED')).map(String)).toEqual([]);
        expect(errors.at(-1)!.message).toMatch(/backing off after \d failed connect/);
        expect((await bus.health()).transport.details).toMatchObject({
          connectBackoff: { failedConnects: expect.any(Number), retryInMs: expect.any(Number) },
        });
        await bus.close();
      } finally {
        await proxy.stop();
      }
    });

    it('refuses a SASL mechanism the broker has not enabled with AUTHENTICATION_FAILED', async () => {
      // The secured broker enables SCRAM-SHA-512 and PLAIN only.
      const transport = kafka({
        driver,
        brokers: [BROKERS!],
        ...secure({ ...scram(), mechanism: 'scram-sha-256' }),
      });
      const error = await transport.connect().catch((e: unknown) => e);
      expect(isEventBusError(error, 'AUTHENTICATION_FAILED')).toBe(true);
      await transport.close();
    });

    it('says the listener probably needs SASL when TLS connects without credentials', async () => {
      const transport = kafka({
        driver,
        brokers: [BROKERS!],
        tls: { ca: readFileSync(secureSetting('CA_FILE'), 'utf8') },
      });
      const error = await transport.connect().catch((e: unknown) => e);
      expect(isEventBusError(error, 'CONNECTION_FAILED')).toBe(true);
      expect((error as Error).message).toMatch(/closed the connection (during or )?after the TLS handshake/);
      expect((error as Error).message).toMatch(/needs SASL credentials/);
      await transport.close();
    });

    it('says the listener probably needs TLS when a plaintext connection is closed', async () => {
      const transport = kafka({ driver, brokers: [BROKERS!], sasl: scram() });
      const error = await transport.connect().catch((e: unknown) => e);
      expect(isEventBusError(error, 'CONNECTION_FAILED')).toBe(true);
      expect((error as Error).message).toMatch(/closed the connection/);
      expect((error as Error).message).toMatch(/needs TLS/);
      await transport.close();
    });

    it('fails TLS verification without the CA as a non-retriable CONNECTION_FAILED', async () => {
      const transport = kafka({
        driver,
        brokers: [BROKERS!],
        tls: true,
        sasl: scram(),
        connectTimeoutMs: 5000,
      });
      const error = await transport.connect().catch((e: unknown) => e);
      expect(isEventBusError(error, 'CONNECTION_FAILED')).toBe(true);
      expect((error as Error).message).not.toContain(secureSetting('PASSWORD'));
      await transport.close();
    });
  });
}
