import { createEventBus } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { kafka } from './kafka.ts';
import { requireBroker } from './test-support/brokers.ts';
import { KafkaFixture, waitFor } from './test-support/fixture.ts';
import { busesAndCounter, logRequests } from './test-support/request-counter.ts';

const KAFKA_BROKERS = requireBroker('KAFKA_BROKERS', 'kafka');

const DRIVERS = [{ driver: 'kafkajs' }, { driver: 'platformatic' }] as const;
/** The kafkajs driver asks through the producer's client, then the admin's; the platformatic driver once. */
const ASKS = 2;

/** "Unknown topic" answers before the first CreateTopics: how often the client asked before making it. */
function unknownBeforeCreating(sent: readonly string[]): number {
  const create = sent.indexOf('createTopics');
  expect(create, `a CreateTopics request among ${sent.join(', ')}`).toBeGreaterThanOrEqual(0);
  return sent.slice(0, create).filter((kind) => kind === 'unknown-topic').length;
}

/**
 * A service publishing to a topic nobody made yet and subscribing to another, with the defaults
 * (topics created on first use): the topic is made as soon as the broker says it does not know it.
 * @platformatic/kafka retried that answer like a transient error, through the transport's whole
 * retry back-off (six answers, ~3 s with the local profile), before each new topic's first publish
 * or subscribe could create it.
 */
describe.skipIf(KAFKA_BROKERS === undefined).each(DRIVERS)(
  'kafka ($driver driver): a topic the service is the first to use',
  ({ driver }) => {
    const { buses, counting } = busesAndCounter();

    it('is created as soon as the broker says it does not know it, for a publish and for a subscription', async () => {
      const fixture = new KafkaFixture(KAFKA_BROKERS ?? '');
      const [orders, payments] = [fixture.topic('new-orders'), fixture.topic('new-payments')];
      const bus = createEventBus({
        source: 'svc-new-topics',
        transport: kafka({ brokers: [...fixture.brokers], driver }),
      });
      buses.push(bus);
      await bus.connect();
      const requests = counting(logRequests(driver));

      await bus.publish(orders, { type: 'order.placed', key: 'o1', data: { n: 1 } });
      expect(
        unknownBeforeCreating(requests.sent()),
        '"unknown topic" answers before creating the published topic',
      ).toBeLessThanOrEqual(ASKS);

      requests.clear();
      const seen: string[] = [];
      await bus.subscribe(payments, (event) => {
        seen.push(event.type);
      });
      expect(
        unknownBeforeCreating(requests.sent()),
        '"unknown topic" answers before creating the subscribed topic',
      ).toBeLessThanOrEqual(ASKS);

      await bus.publish(payments, { type: 'payment.taken', key: 'o1', data: { n: 1 } });
      await waitFor('the payment event in its handler', () => seen.length === 1, 20_000);
      expect(seen).toEqual(['payment.taken']);
    });
  },
);
