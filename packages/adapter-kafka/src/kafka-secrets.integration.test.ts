import { inspect } from 'node:util';
import { createEventBus, type EventBus } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { kafka } from './kafka.ts';
import type { KafkaTransport } from './kafka-transport.ts';
import type { KafkaSaslOptions } from './options/options.ts';
import { requireBroker, secureSetting } from './test-support/brokers.ts';
import { KAFKA_DRIVERS, waitFor } from './test-support/fixture.ts';
import { logLines } from './test-support/log-lines.ts';

const BROKERS = requireBroker('KAFKA_SECURE_BROKERS', 'kafka-secure');

/** Every way a user (or their logging, or their error tracker) could print what they hold. */
function dumps(...values: unknown[]): string[] {
  return values.flatMap((value) => [
    inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true }),
    JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) ?? '',
    String(value),
  ]);
}

for (const driver of KAFKA_DRIVERS) {
  describe.skipIf(BROKERS === undefined)(
    `the SASL password never leaves the Kafka transport (${driver} driver)`,
    () => {
      const opened: EventBus[] = [];
      afterEach(async () => {
        await Promise.allSettled(opened.splice(0).map((bus) => bus.close()));
      });

      function service(password: string): {
        bus: EventBus;
        transport: KafkaTransport;
        lines: string[];
        errors: Error[];
      } {
        const { logger, lines } = logLines();
        const errors: Error[] = [];
        const sasl: KafkaSaslOptions = {
          mechanism: secureSetting('MECHANISM') as KafkaSaslOptions['mechanism'],
          username: secureSetting('USER'),
          password,
        };
        const transport = kafka({
          brokers: [BROKERS!],
          driver,
          tls: { caFile: secureSetting('CA_FILE') },
          sasl,
          logLevel: 'debug',
          logger,
        });
        const bus = createEventBus({ source: 'billing', transport, onError: (error) => errors.push(error) });
        opened.push(bus);
        return { bus, transport, lines, errors };
      }

      it('is in no printed transport, bus, health or log line of a working service', async () => {
        const password = secureSetting('PASSWORD');
        const { bus, transport, lines } = service(password);
        const topic = `test.kafka.secrets.${Date.now()}`;
        const received: unknown[] = [];
        const sub = await bus.subscribe(topic, (event) => void received.push(event.data), {
          group: 'billing',
        });
        await bus.publish(topic, { type: 'invoice.sent', data: { n: 1 }, key: 'k' });
        await waitFor('the event', () => received.length === 1);

        const seen = dumps(transport, bus, sub, await bus.health(), transport.health(), lines);
        expect(lines.length).toBeGreaterThan(0);
        for (const text of seen) expect(text).not.toContain(password);
        // The dumps still say what the transport is.
        expect(inspect(transport)).toContain('KafkaTransport');
        expect(JSON.stringify(transport)).toContain(BROKERS!);
      });

      it('is in no error, printed object or log line when the password is wrong', async () => {
        const password = `wrong-${Date.now()}-hunter2`;
        const { bus, transport, lines, errors } = service(password);
        const topic = `test.kafka.secrets.${Date.now()}`;
        const failures: unknown[] = [];
        failures.push(await transport.connect().catch((e: unknown) => e));
        failures.push(
          await bus.publish(topic, { type: 'invoice.sent', data: { n: 1 } }).catch((e: unknown) => e),
        );
        failures.push(await bus.subscribe(topic, () => {}, { group: 'billing' }).catch((e: unknown) => e));
        bus.emit(topic, { type: 'invoice.sent', data: { n: 2 } });
        await waitFor('the emit to fail', () => errors.length > 0);

        expect(failures.every((f) => f instanceof Error)).toBe(true);
        expect(lines.length).toBeGreaterThan(0);
        const seen = dumps(
          transport,
          bus,
          await bus.health(),
          transport.health(),
          lines,
          ...failures,
          ...errors,
        );
        for (const text of seen) expect(text).not.toContain(password);
      });
    },
  );
}
