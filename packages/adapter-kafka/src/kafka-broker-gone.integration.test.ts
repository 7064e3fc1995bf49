import { randomUUID } from 'node:crypto';
import { createEventBus, type EventBus } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { kafka } from './kafka.ts';
import type { KafkaDriverName } from './options/options.ts';
import { requireBroker } from './test-support/brokers.ts';
import { waitFor } from './test-support/fixture.ts';
import { privateKafkaForSuite } from './test-support/private-kafka.ts';

// Runs where the Kafka infra is in use (its jars are there); the broker it stops is its own.
const KAFKA_BROKERS = requireBroker('KAFKA_BROKERS', 'kafka');

/** The `local` profile's retry budget: 5 retries from 100 ms doubling to 2 s, ~3.1 s, plus slack. */
const WITHIN_RETRY_BUDGET_MS = 8_000;

const DRIVERS: readonly [KafkaDriverName, number][] = [
  ['kafkajs', 4200],
  ['platformatic', 4300],
];

for (const [driver, portOffset] of DRIVERS) {
  describe.skipIf(KAFKA_BROKERS === undefined)(`kafka (${driver}): the broker goes away`, () => {
    let bus: EventBus | undefined;
    const broker = privateKafkaForSuite(portOffset, `infra-kafka-gone-${driver}`, () =>
      bus?.close({ drainTimeoutMs: 1_000 }),
    );

    it('publishes fail within the retry budget, close returns, and the log says so without a line per reconnect attempt', async () => {
      const lines: string[] = [];
      const write = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
      const logger = { error: write, warn: write, info: () => {}, debug: () => {} };
      // A service with the defaults: one bus, a subscription, publishes.
      bus = createEventBus({
        source: 'orders-svc',
        transport: kafka({ driver, brokers: broker.brokers, logger }),
        onError: () => {},
      });
      const topic = `test.kafka.gone.${randomUUID().slice(0, 8)}`;
      const handled: unknown[] = [];
      await bus.subscribe(topic, (event) => void handled.push(event.data));
      await bus.publish(topic, { type: 'item', data: 0 });
      await waitFor('the first event', () => handled.length === 1, 30_000);

      await broker.stop();
      const logged = lines.length;
      const timed = async (n: number) => {
        const started = performance.now();
        const outcome = await bus!.publish(topic, { type: 'item', data: n }).then(
          () => 'sent',
          (error: { code?: string }) => error.code,
        );
        return { outcome, ms: performance.now() - started };
      };
      // Each publish fails once the retries are spent; the second starts after the first failed
      // (on the platformatic driver it also asks for a new producer id).
      for (const n of [1, 2]) {
        const { outcome, ms } = await timed(n);
        expect(outcome).toBe('CONNECTION_FAILED');
        expect(ms).toBeLessThan(WITHIN_RETRY_BUDGET_MS);
      }
      const pending = timed(3);
      const started = performance.now();
      await bus.close();
      expect(performance.now() - started).toBeLessThan(WITHIN_RETRY_BUDGET_MS + 2_000);
      expect((await pending).outcome).toBe('CONNECTION_FAILED');
      // About 8 s of outage: the failed publishes are logged, kafkajs' attempt to reach the broker
      // once (it wrote ~10 lines a second before, "Connection error" and "Failed to connect").
      const during = lines.slice(logged);
      // kafkajs' own lines ([Connection], [BrokerPool]); the transport's failed-publish lines quote the error too.
      const attempts = during.filter((l) => /\[(Connection|BrokerPool)\] /.test(l));
      expect(attempts.length).toBeLessThanOrEqual(1);
      expect(during.length).toBeLessThan(30);
    }, 120_000);
  });
}
