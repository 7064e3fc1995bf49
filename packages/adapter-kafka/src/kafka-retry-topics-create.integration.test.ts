import { createEventBus } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { kafka } from './kafka.ts';
import { requireBroker } from './test-support/brokers.ts';
import { KafkaFixture, waitFor } from './test-support/fixture.ts';
import { busesAndCounter, countRequests } from './test-support/request-counter.ts';

const KAFKA_BROKERS = requireBroker('KAFKA_BROKERS', 'kafka');

const DRIVERS = [{ driver: 'kafkajs' }, { driver: 'platformatic' }] as const;

/**
 * A service starting its subscriptions on topics it is the first to use: each topic's four retry
 * topics go to the controller in one CreateTopics request (four before, one commit each, ~30 ms apiece
 * on a single broker), and the subscriptions then get every event.
 */
describe.skipIf(KAFKA_BROKERS === undefined).each(DRIVERS)(
  'kafka ($driver driver): a new subscription’s retry topics',
  ({ driver }) => {
    const { buses, counting } = busesAndCounter();

    it('are created in one request per topic, every handler gets every event, and a restart finds them', async () => {
      const fixture = new KafkaFixture(KAFKA_BROKERS ?? '');
      const topics = [fixture.topic('rt-orders'), fixture.topic('rt-payments')];
      const bus = createEventBus({
        source: 'svc-retry-topics',
        transport: kafka({ brokers: [...fixture.brokers], driver }),
      });
      buses.push(bus);
      // The topics exist (the service published to them first, as a deploy step might).
      for (const topic of topics) await bus.publish(topic, { type: 'item', key: 'k0', data: { n: -1 } });

      const counter = counting(countRequests(driver, 'createTopics'));
      const seen = new Map<string, number[]>();
      for (const topic of topics) {
        const before = counter.sent();
        for (const handler of ['audit', 'mailer']) {
          await bus.subscribe(
            topic,
            (event) => {
              const { n } = event.data as { n: number };
              if (n < 0) return;
              const list = seen.get(`${handler} ${topic} ${event.key}`) ?? [];
              list.push(n);
              seen.set(`${handler} ${topic} ${event.key}`, list);
            },
            { group: `${handler}-${topic}`, startFrom: 'earliest' },
          );
        }
        // Four retry topics for the first handler in one request; the second finds them made.
        expect(counter.sent() - before, `CreateTopics requests for ${topic}`).toBe(1);
      }

      const count = 100;
      await Promise.all(
        topics.flatMap((topic) =>
          Array.from({ length: count }, (_, n) =>
            bus.publish(topic, { type: 'item', key: `k${n % 5}`, data: { n } }),
          ),
        ),
      );
      const total = () => [...seen.values()].reduce((sum, list) => sum + list.length, 0);
      await waitFor('every event in both handlers of both topics', () => total() === 2 * 2 * count, 30_000);
      for (const list of seen.values()) expect(list).toEqual([...list].sort((a, b) => a - b));

      // The service restarts: the retry topics exist, and one request per topic finds them so.
      await bus.close();
      const restarted = createEventBus({
        source: 'svc-retry-topics',
        transport: kafka({ brokers: [...fixture.brokers], driver }),
      });
      buses.push(restarted);
      for (const topic of topics) {
        const before = counter.sent();
        await restarted.subscribe(topic, () => {}, { group: `audit-${topic}` });
        expect(counter.sent() - before, `CreateTopics requests for ${topic} after a restart`).toBe(1);
      }
    });
  },
);
