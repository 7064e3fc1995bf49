import { randomUUID } from 'node:crypto';
import { createEventBus, type EventBus } from '@switchyard/core';
import { sleep } from '@switchyard/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { kafka } from './kafka.ts';
import { requireBroker } from './test-support/brokers.ts';
import { waitFor } from './test-support/fixture.ts';

const KAFKA_BROKERS = requireBroker('KAFKA_BROKERS', 'kafka');

/**
 * The kafkajs driver fetches retry topics on a cadence (driver/kafkajs/fetch-cadence.ts: paused
 * between openings every 100 ms with the default tiers) instead of in every fetch. As a user runs
 * it, with default options and with the `latency` preset: one bus, three topics and their handlers,
 * one handler failing an event once (its retry delay goes past `inProcessMaxDelayMs`, so through a
 * retry topic) and one failing an event for good (to the dead-letter topic), events published
 * while the retried one waits; then close, and a restart of the group gets nothing again.
 */
describe.skipIf(KAFKA_BROKERS === undefined)('kafkajs driver, retry topics fetched on a cadence', () => {
  const buses: EventBus[] = [];
  afterEach(async () => {
    await Promise.allSettled(buses.splice(0).map((bus) => bus.close({ drainTimeoutMs: 5_000 })));
  });

  for (const preset of [undefined, 'latency'] as const) {
    it(`retries, dead-letters and delivers every event once (${preset ?? 'default options'})`, async () => {
      const open = () => {
        const bus = createEventBus({
          source: `svc-${randomUUID().slice(0, 8)}`,
          transport: kafka({
            brokers: (KAFKA_BROKERS ?? '').split(','),
            ...(preset === undefined ? {} : { preset }),
          }),
          onError: () => {},
        });
        buses.push(bus);
        return bus;
      };
      const id = randomUUID().slice(0, 8);
      const [orders, payments, audit] = ['orders', 'payments', 'audit'].map(
        (t) => `test.kafka.cadence.${t}.${id}`,
      );
      const group = `g-${id}`;
      const delayMs = 1_500;
      const handled = new Map<string, number>();
      const count = (topic: string, seq: number) => {
        const k = `${topic}#${seq}`;
        handled.set(k, (handled.get(k) ?? 0) + 1);
      };
      let failedAt = 0;
      let retriedAt = 0;
      const dead: number[] = [];
      const bus = open();
      await bus.subscribe(
        orders!,
        (event, ctx) => {
          const { seq } = event.data as { seq: number };
          if (seq === 7 && ctx.attempt === 1) {
            failedAt = Date.now();
            throw new Error('fails once');
          }
          if (seq === 7) retriedAt = Date.now();
          count(orders!, seq);
        },
        { group, retry: { attempts: 3, initialDelayMs: delayMs, jitter: 'none' } },
      );
      await bus.subscribe(
        payments!,
        (event) => {
          const { seq } = event.data as { seq: number };
          if (seq === 3) throw new Error('fails for good');
          count(payments!, seq);
        },
        { group, retry: { attempts: 2, initialDelayMs: delayMs, jitter: 'none' } },
      );
      await bus.subscribe(audit!, (event) => count(audit!, (event.data as { seq: number }).seq), { group });
      await bus.subscribe(`${payments}.dlq`, (event) => void dead.push((event.data as { seq: number }).seq), {
        group,
      });

      const perTopic = 40;
      for (let seq = 0; seq < perTopic; seq++) {
        for (const topic of [orders!, payments!, audit!]) {
          void bus.publish(topic, { type: 'item', key: `k${seq % 4}`, data: { seq } });
        }
        await sleep(2);
      }
      const total = perTopic * 3 - 1; // payments #3 goes to the dead-letter topic
      await waitFor(
        `all ${total} events and the dead letter`,
        () => handled.size >= total && dead.length > 0,
        60_000,
      );
      expect(handled.size).toBe(total);
      expect([...handled.values()].every((n) => n === 1)).toBe(true);
      expect(dead).toEqual([3]);
      // Due `delayMs` after the failure; the cadence adds up to 100 ms, the rest is the machine.
      const waited = retriedAt - failedAt;
      expect(waited).toBeGreaterThanOrEqual(delayMs - 5);
      expect(waited).toBeLessThan(delayMs + 1_000);
      await bus.close({ drainTimeoutMs: 5_000 });

      const again = open();
      let redelivered = 0;
      for (const topic of [orders!, payments!, audit!]) {
        await again.subscribe(topic, () => void redelivered++, { group });
      }
      await sleep(3_000);
      expect(redelivered).toBe(0);
    }, 90_000);
  }
});
