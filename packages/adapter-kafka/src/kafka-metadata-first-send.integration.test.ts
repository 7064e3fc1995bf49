import { createEventBus } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { kafka } from './kafka.ts';
import { requireBroker } from './test-support/brokers.ts';
import { KafkaFixture, waitFor } from './test-support/fixture.ts';
import { busesAndCounter, countRequests } from './test-support/request-counter.ts';
import { createTopicsElsewhere } from './test-support/topics-elsewhere.ts';

const KAFKA_BROKERS = requireBroker('KAFKA_BROKERS', 'kafka');

/**
 * `missingTopic`: what one lookup of a topic that does not exist costs: kafkajs' producer asks once
 * and its admin twice; @platformatic/kafka retries an unknown topic within the client's retry budget
 * (default 5 retries).
 */
const DRIVERS = [
  {
    driver: 'kafkajs',
    // A first burst cost three before: kafkajs' admin asks twice for a topic it has not seen, then the producer once.
    missingTopic: 3,
  },
  {
    driver: 'platformatic',
    // A first burst cost two before: the admin client's lookup, then the producer client's.
    missingTopic: 6,
  },
] as const;

/**
 * A topic's first burst: the partitioner's lookup is the producer client's own, so the burst costs
 * one Metadata request before its first Produce, as a plain send of the driver's client does.
 */
describe.skipIf(KAFKA_BROKERS === undefined).each(DRIVERS)(
  'kafka ($driver driver): a new topic’s first publish',
  ({ driver, missingTopic }) => {
    const { buses, counting } = busesAndCounter();

    it('asks for the topic’s metadata once, and handlers see every key in order', async () => {
      const fixture = new KafkaFixture(KAFKA_BROKERS ?? '');
      const topics = [fixture.topic('first-orders'), fixture.topic('first-payments')];
      // The topics exist before the service starts (made by a deploy step).
      await createTopicsElsewhere(fixture.brokers, topics);

      const bus = createEventBus({
        source: 'svc-first-send',
        transport: kafka({ brokers: [...fixture.brokers], driver }),
      });
      buses.push(bus);
      await bus.connect();
      const counter = counting(countRequests(driver, 'metadata'));
      const count = 200;
      for (const topic of topics) {
        const before = counter.sent();
        await Promise.all(
          Array.from({ length: count }, (_, n) => {
            const key = `k${n % 7}`;
            return bus.publish(topic, { type: 'item', key, data: { key, n } });
          }),
        );
        expect(counter.sent() - before).toBe(1);
      }

      const seen = new Map<string, number[]>();
      for (const topic of topics) {
        for (const handler of ['audit', 'mailer']) {
          await bus.subscribe(
            topic,
            (event) => {
              const { key, n } = event.data as { key: string; n: number };
              const list = seen.get(`${handler} ${topic} ${key}`) ?? [];
              list.push(n);
              seen.set(`${handler} ${topic} ${key}`, list);
            },
            { group: `${handler}-${topic}`, startFrom: 'earliest' },
          );
        }
      }
      const total = () => [...seen.values()].reduce((sum, list) => sum + list.length, 0);
      await waitFor('every event in both handlers of both topics', () => total() === 2 * 2 * count, 30_000);
      for (const list of seen.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
    });

    it('fails a burst to a topic that does not exist after one lookup, not one per event', async () => {
      const fixture = new KafkaFixture(KAFKA_BROKERS ?? '');
      const bus = createEventBus({
        source: 'svc-first-send',
        transport: kafka({ brokers: [...fixture.brokers], driver, autoCreateTopics: false }),
      });
      buses.push(bus);
      await bus.connect();
      const counter = counting(countRequests(driver, 'metadata'));
      const topic = fixture.topic('never-created');
      const outcomes = await Promise.allSettled(
        Array.from({ length: 200 }, (_, n) =>
          bus.publish(topic, { type: 'item', key: `k${n % 7}`, data: { n } }),
        ),
      );
      const codes = outcomes.map((o) =>
        o.status === 'rejected' ? (o.reason as { code?: string }).code : 'ok',
      );
      expect(new Set(codes)).toEqual(new Set(['TOPIC_NOT_FOUND']));
      // One lookup for the burst; before, each event asked again in turn: 200 lookups one after another.
      expect(counter.sent()).toBeLessThanOrEqual(missingTopic);
    });
  },
);
