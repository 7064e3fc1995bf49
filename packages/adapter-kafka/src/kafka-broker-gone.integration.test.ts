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

const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

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

    /** A billing service with the defaults: one bus, one group reading two topics, 10 events handled. */
    async function billingService(logger: typeof quiet, onError: (error: Error) => void): Promise<EventBus> {
      const service = createEventBus({
        source: 'billing-svc',
        transport: kafka({ driver, brokers: broker.brokers, logger }),
        onError,
      });
      bus = service;
      const [orders, invoices] = ['orders', 'invoices'].map(
        (t) => `test.kafka.gone.${t}.${randomUUID().slice(0, 8)}`,
      );
      let handled = 0;
      await service.subscribe(orders!, () => void handled++, { group: 'billing' });
      await service.subscribe(invoices!, () => void handled++, { group: 'billing' });
      for (let i = 0; i < 10; i++)
        await service.publish(i % 2 ? orders! : invoices!, { type: 'item', key: `k${i}`, data: i });
      await waitFor('the events', () => handled === 10, 30_000);
      return service;
    }

    it('a service shutting down while its broker hangs: close resolves within the connect timeout', async () => {
      const service = await billingService(quiet, () => {}); // the defaults: connectTimeoutMs 5 s

      broker.pause(); // SIGSTOP: connections stay open, nothing answers
      try {
        const started = performance.now();
        await service.close();
        // The last commit and the client's leave each wait at most connectTimeoutMs; once one ran
        // out the client is let go (it took 19 s on kafkajs, 9 s on platformatic).
        expect(performance.now() - started).toBeLessThan(5_000 + 2_000);
      } finally {
        broker.resume();
      }
      bus = undefined;
    }, 120_000);

    it('a service closed while its broker is gone stops for good: its consumers do not restart after close', async () => {
      const lines: Array<{ at: number; line: string }> = [];
      const write = (...args: unknown[]) =>
        void lines.push({ at: performance.now(), line: args.map(String).join(' ') });
      const logger = { error: write, warn: write, info: () => {}, debug: () => {} };
      const service = await billingService(logger, () => {});

      await broker.stop();
      const stoppedAt = performance.now();
      // kafkajs restarts a crashed consumer 100 ms after the first crash, then spends its retries
      // reconnecting: close while that start is under way (the platformatic client reconnects on
      // its own, without such a line).
      await waitFor(
        'a consumer crash, or 3 s of outage',
        () =>
          lines.some((l) => /Restarting the consumer/.test(l.line)) || performance.now() - stoppedAt > 3_000,
        30_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      await service.close();
      const closedAt = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 8_000));
      const after = lines.filter((l) => l.at > closedAt);
      expect(after.filter((l) => /Restarting|restarting/.test(l.line)).map((l) => l.line)).toEqual([]);
      // The start under way may still report its failure once; then nothing.
      expect(after.filter((l) => l.at > closedAt + 5_000).map((l) => l.line)).toEqual([]);
      bus = undefined;
      await broker.start(); // for the next case
    }, 180_000);

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
