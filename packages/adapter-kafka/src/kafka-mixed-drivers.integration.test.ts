import { randomUUID } from 'node:crypto';
import { createEventBus, type EventBus } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { KafkaDriverName } from './driver/driver.ts';
import { kafka } from './kafka.ts';
import { requireBroker } from './test-support/brokers.ts';
import { waitFor } from './test-support/fixture.ts';

const KAFKA_BROKERS = requireBroker('KAFKA_BROKERS', 'kafka');

/**
 * A rolling switch of a service from the kafkajs driver to the platformatic one: for a while the
 * group has members on both drivers. They must form one group (not INCONSISTENT_GROUP_PROTOCOL),
 * share the partitions and hand every event to exactly one of them.
 */
describe.skipIf(KAFKA_BROKERS === undefined)('kafka: one group with members on both drivers', () => {
  const buses: EventBus[] = [];
  const run = randomUUID().slice(0, 8);
  afterEach(async () => {
    await Promise.allSettled(buses.splice(0).map((bus) => bus.close({ drainTimeoutMs: 2_000 })));
  });

  function instance(driver: KafkaDriverName, source: string): EventBus {
    const bus = createEventBus({
      source,
      transport: kafka({ driver, brokers: (KAFKA_BROKERS ?? '').split(',') }),
      onError: () => {},
    });
    buses.push(bus);
    return bus;
  }

  for (const [first, second] of [
    ['kafkajs', 'platformatic'],
    ['platformatic', 'kafkajs'],
  ] as const) {
    it(`shares the partitions between a ${first} instance (leader) and a ${second} one, then hands all to the ${second} one`, async () => {
      const topic = `test.kafka.mixed.${first}.${run}`;
      const byDriver = { kafkajs: new Set<number>(), platformatic: new Set<number>() };
      const subscribe = async (driver: KafkaDriverName) => {
        const bus = instance(driver, `billing-${first}-${run}`);
        await bus.subscribe(topic, (event) => {
          byDriver[driver].add((event.data as { n: number }).n);
        });
        return bus;
      };
      const producer = instance('kafkajs', `orders-${run}`);
      await producer.ensureTopic({ name: topic, partitions: 6 });
      const old = await subscribe(first);
      await subscribe(second);
      const publish = (from: number, count: number) =>
        Promise.all(
          Array.from({ length: count }, (_, i) =>
            producer.publish(topic, { type: 'invoice.due', data: { n: from + i }, key: `k${from + i}` }),
          ),
        );
      const handled = () => new Set([...byDriver.kafkajs, ...byDriver.platformatic]);

      // Both members in the group (a join takes a rebalance): each gets partitions, so each handles some.
      const deadline = Date.now() + 60_000;
      while (byDriver.kafkajs.size === 0 || byDriver.platformatic.size === 0) {
        if (Date.now() > deadline)
          throw new Error(
            `after 60 s: kafkajs handled ${byDriver.kafkajs.size}, platformatic ${byDriver.platformatic.size}`,
          );
        await publish(handled().size, 30);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const sofar = handled().size;
      await publish(sofar, 300 - sofar);
      await waitFor('all 300 events', () => handled().size === 300, 60_000);

      // The first instance leaves: the second takes every partition.
      await old.close();
      const before = byDriver[second].size;
      await publish(300, 100);
      await waitFor(`the last 100 events on the ${second} instance`, () => handled().size === 400, 60_000);
      expect(byDriver[second].size - before).toBeGreaterThanOrEqual(100);
    }, 180_000);
  }
});
