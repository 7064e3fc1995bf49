import { randomUUID } from 'node:crypto';
import { createEventBus, type EventBus } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { MemberHealth } from './consumer/group-member.ts';
import { kafka } from './kafka.ts';
import type { KafkaTransportOptions } from './options/options.ts';
import { requireBroker } from './test-support/brokers.ts';
import { KAFKA_DRIVERS, sleep, waitFor } from './test-support/fixture.ts';

const KAFKA_BROKERS = requireBroker('KAFKA_BROKERS', 'kafka');

for (const driver of KAFKA_DRIVERS) {
  /**
   * Services as users write them: one bus per service instance, default options, several topics read
   * by one group (the bus's `source` when no group is given).
   */
  describe.skipIf(KAFKA_BROKERS === undefined)(`kafka: one group reading several topics (${driver})`, () => {
    const buses: EventBus[] = [];
    const run = randomUUID().slice(0, 8);
    const topicName = (name: string) => `test.kafka.group.${name}.${run}`;
    afterEach(async () => {
      await Promise.allSettled(buses.splice(0).map((bus) => bus.close({ drainTimeoutMs: 2_000 })));
    });

    function service(
      source = `svc-${randomUUID().slice(0, 8)}`,
      options: KafkaTransportOptions = {},
    ): EventBus {
      const bus = createEventBus({
        source,
        transport: kafka({ driver, brokers: (KAFKA_BROKERS ?? '').split(','), ...options }),
        onError: () => {},
      });
      buses.push(bus);
      return bus;
    }

    /** Records `topic:n` of every event handled. */
    function tally() {
      const seen = new Set<string>();
      let handled = 0;
      const handler = (event: { data: unknown }, ctx: { topic: string }) => {
        handled++;
        seen.add(`${ctx.topic}:${(event.data as { n: number }).n}`);
      };
      return { seen, handler, handled: () => handled };
    }

    /** The bus's group members as its Kafka transport reports them in `health()`. */
    const membersOf = async (bus: EventBus) =>
      ((await bus.health()).transport.details as { consumers: MemberHealth[] }).consumers;

    const publishEach = (bus: EventBus, topics: readonly string[], count: number, from = 0) =>
      Promise.all(
        topics.flatMap((topic) =>
          Array.from({ length: count }, (_, i) =>
            bus.publish(topic, { type: 'item', data: { n: from + i }, key: `k${from + i}` }),
          ),
        ),
      );

    it('handles every event of both topics a bus subscribes to without a group', async () => {
      const bus = service();
      const [a, b] = [topicName('a'), topicName('b')];
      const { seen, handler } = tally();
      await bus.subscribe(a, handler);
      await bus.subscribe(b, handler);
      await publishEach(bus, [a, b], 10);
      await waitFor('all 20 events', () => seen.size === 20, 30_000);
    });

    it('handles 2,000 events over 20 topics subscribed one after another', async () => {
      const bus = service();
      const topics = Array.from({ length: 20 }, (_, i) => topicName(`many${i}`));
      const { seen, handler } = tally();
      const started = Date.now();
      for (const topic of topics) await bus.subscribe(topic, handler);
      const subscribedMs = Date.now() - started;
      await publishEach(bus, topics, 100);
      await waitFor('all 2,000 events', () => seen.size === 2_000, 60_000);
      const joins = (await membersOf(bus))[0]!.joins;
      console.info(`[kafka-group] 20 sequential subscribes: ${subscribedMs} ms, ${joins} join(s)`);
      // Subscriptions made while the member runs share its next rejoin: 20 joins before (~0.5 s
      // each, every one a rebalance of the whole group), 7-11 since (each new topic is created
      // first, while the rejoin under way takes the topics subscribed before it).
      expect(joins).toBeLessThanOrEqual(14);
    }, 120_000);

    it('joins the group once for 20 topics subscribed at the same time', async () => {
      const bus = service();
      const topics = Array.from({ length: 20 }, (_, i) => topicName(`all${i}`));
      const { seen, handler } = tally();
      const started = Date.now();
      await Promise.all(topics.map((topic) => bus.subscribe(topic, handler)));
      const subscribedMs = Date.now() - started;
      await publishEach(bus, topics, 10);
      await waitFor('all 200 events', () => seen.size === 200, 60_000);
      const members = await membersOf(bus);
      expect(members).toHaveLength(1);
      expect(members[0]!.topics).toHaveLength(20);
      // The member starts once every consume() of the group that was under way is ready.
      expect(members[0]!.joins).toBe(1);
      console.info(
        `[kafka-group] 20 concurrent subscribes: ${subscribedMs} ms, ${members[0]!.joins} join(s)`,
      );
    }, 120_000);

    it('shares the work of one group over two topics between two instances of a service', async () => {
      const [a, b] = [topicName('shared-a'), topicName('shared-b')];
      const first = service('orders-svc');
      const second = service('orders-svc');
      for (const topic of [a, b]) await first.ensureTopic({ name: topic, partitions: 4 });
      const one = tally();
      const two = tally();
      await first.subscribe(a, one.handler, { group: `workers-${run}` });
      await first.subscribe(b, one.handler, { group: `workers-${run}` });
      await second.subscribe(a, two.handler, { group: `workers-${run}` });
      await second.subscribe(b, two.handler, { group: `workers-${run}` });
      // The second subscription joins the group with the member's next rejoin (it resolved once its
      // start positions were taken): both instances hold partitions once the group settled.
      const holds = async (bus: EventBus) =>
        ((await membersOf(bus))[0]?.topics ?? []).every((t) => t.assignedPartitions > 0);
      await waitFor(
        'both instances to hold partitions of both topics',
        async () => (await holds(first)) && (await holds(second)),
        30_000,
      );
      await publishEach(first, [a, b], 100);
      await waitFor(
        'all 200 events across both instances',
        () => new Set([...one.seen, ...two.seen]).size === 200,
        45_000,
      );
      expect(one.seen.size).toBeGreaterThan(0);
      expect(two.seen.size).toBeGreaterThan(0);
    }, 90_000);

    it('starts a second instance whose handlers subscribe one after another with a few rebalances of the group, not one per handler', async () => {
      const topics = Array.from({ length: 8 }, (_, i) => topicName(`handlers${i}`));
      const producer = service();
      for (const topic of topics) await producer.ensureTopic({ name: topic, partitions: 2 });
      const source = `inventory-${run}`;
      const counts = new Map<string, number>();
      const handler = (event: { data: unknown }, ctx: { topic: string }) => {
        const id = `${ctx.topic}:${(event.data as { n: number }).n}`;
        counts.set(id, (counts.get(id) ?? 0) + 1);
      };
      const joinsOf = async (bus: EventBus) => (await membersOf(bus))[0]?.joins ?? 0;
      const first = service(source);
      for (const topic of topics) await first.subscribe(topic, handler);
      await publishEach(producer, topics, 10);
      await waitFor('the first 80 events', () => counts.size === 80, 30_000);
      const before = await joinsOf(first);
      const second = service(source);
      // Events keep coming while the second instance starts.
      const flowing = (async () => {
        for (let round = 1; round <= 5; round++) {
          await publishEach(producer, topics, 10, round * 10);
          await sleep(200);
        }
      })();
      for (const topic of topics) await second.subscribe(topic, handler);
      await flowing;
      await waitFor('all 480 events', () => counts.size === 480, 60_000);
      await waitFor(
        'the second instance to hold partitions of every topic',
        async () => {
          const [member] = await membersOf(second);
          return member?.state === 'running' && member.topics.every((t) => t.assignedPartitions > 0);
        },
        30_000,
      );
      const rebalances = (await joinsOf(first)) - before;
      console.info(
        `[kafka-group] a second instance subscribing 8 handlers one after another while events flow: the first rejoined ${rebalances} time(s), the second joined ${await joinsOf(second)} time(s)`,
      );
      const twice = [...counts.values()].filter((n) => n > 1).length;
      console.info(`[kafka-group] … and ${twice} event(s) handled twice`);
      // Each subscription used to rejoin the group: 8 rebalances of every instance (seconds each).
      // kafkajs rejoins 3 times on a quiet machine (every run logged since 2026-12-05), and once 4
      // while other tests started private brokers beside it: the bound is for the 8, not the 3.
      expect(rebalances).toBeLessThanOrEqual(4);
      // The platformatic driver can hand a partition's waiting events to both instances around a
      // member's own restart (40-80 events in about 1 probe of 3, before this change too, where
      // the start took 30-40 s); not asserted there until that is understood (adapter README).
      if (driver === 'kafkajs') expect(twice, 'events handled twice').toBe(0);
    }, 120_000);

    it('hands over the events a first instance of a new group had not handled yet when a second one starts', async () => {
      const topic = topicName('fresh-group');
      const producer = service();
      await producer.ensureTopic({ name: topic, partitions: 2 });
      const source = `ledger-${run}`;
      const counts = new Map<number, number>();
      const handler = async (event: { data: unknown }) => {
        await sleep(1_500); // slow work: nothing of the first instance is acknowledged for a while
        const n = (event.data as { n: number }).n;
        counts.set(n, (counts.get(n) ?? 0) + 1);
      };
      const first = service(source);
      await first.subscribe(topic, handler);
      // Eight keys in order, four events each: one handler per key runs, the rest wait their turn.
      await Promise.all(
        Array.from({ length: 32 }, (_, n) =>
          producer.publish(topic, { type: 'item', data: { n }, key: `k${n % 8}` }),
        ),
      );
      await sleep(300);
      // Nothing is handled yet: the second instance must not start a partition it gets at the end
      // it sees now, past what the first had fetched and not handled (the first commits the first
      // offset it has not handled as soon as it has one).
      const second = service(source);
      await second.subscribe(topic, handler);
      await waitFor('all 32 events', () => counts.size === 32, 45_000);
    }, 90_000);

    it.each([
      ['the defaults', 'default', {}],
      // A long interval shows what a handover commits: before, everything since the last commit.
      ['commits every 5 s', '5s', { consumer: { commitIntervalMs: 5_000 } }],
    ])(
      'hands partitions over when a second instance starts and stops mid-stream, with %s: each event once, but for those in flight',
      async (_, name, options) => {
        const topic = topicName(`scale-${name}`);
        const producer = service('checkout-svc');
        await producer.ensureTopic({ name: topic, partitions: 3 });
        const group = `billing-${run}`;
        const handled = new Map<number, number>();
        const firstHandledAt = new Map<number, number>();
        /** For each event handled again: how long after its first handling. */
        const againAfterMs: number[] = [];
        const handler = async (event: { data: unknown }) => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          const n = (event.data as { n: number }).n;
          handled.set(n, (handled.get(n) ?? 0) + 1);
          const firstAt = firstHandledAt.get(n);
          if (firstAt === undefined) firstHandledAt.set(n, performance.now());
          else againAfterMs.push(performance.now() - firstAt);
        };
        const first = service('billing-svc', options);
        await first.subscribe(topic, handler, { group });
        const total = 4_000;
        // A steady stream, about 1,000 events/s, while the second instance starts and stops.
        const stream = (async () => {
          for (let i = 0; i < total; i += 20) {
            await Promise.all(
              Array.from({ length: 20 }, (_, j) =>
                producer.publish(topic, { type: 'item', data: { n: i + j }, key: `k${(i + j) % 40}` }),
              ),
            );
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        })();
        await waitFor('the stream under way for 1.5 s', () => handled.size >= 1_500, 30_000);
        const second = service('billing-svc', options);
        await second.subscribe(topic, handler, { group });
        await waitFor('the second instance at work', () => handled.size >= 2_500, 30_000);
        await second.close();
        await stream;
        await waitFor(`all ${total} events`, () => handled.size === total, 30_000);
        const twice = [...handled.values()].filter((count) => count > 1).length;
        const latest = Math.round(Math.max(0, ...againAfterMs));
        console.info(
          `[kafka-group] scale out and in mid-stream (${name}): ${twice} event(s) handled twice, the latest ${latest} ms after the first time`,
        );
        // As a rebalance starts the member commits what was handled and starts no more handlers
        // until the new assignment is known (revoked partitions' events are skipped then). The
        // platformatic driver once did neither: what was handled since the last periodic commit ran
        // again on the new owner (at 2,000 events/s, 100-170 events with the default 100 ms
        // interval, 770-1,050 with 5 s, up to 2 s after the first time), and what it started during
        // the join ran twice too (17-35 events). Then what was running when the rebalance started
        // still ran again on the new owner (0-8 events). Now the member rejoins only once those
        // handlers have ended and their events are committed (as Java's onPartitionsRevoked):
        // nothing runs twice.
        expect(
          latest,
          'an event handled again long after it was handled (not committed at the handover)',
        ).toBeLessThan(1_000);
        expect(twice, 'events handled twice').toBe(0);
      },
      120_000,
    );

    it('adds a topic to a group that is already reading another, without losing or repeating events', async () => {
      const bus = service();
      const [a, b] = [topicName('flowing-a'), topicName('late-b')];
      const { seen, handler, handled } = tally();
      await bus.subscribe(a, handler);
      await publishEach(bus, [a], 50);
      await waitFor('the first 50 of a', () => seen.size === 50, 30_000);
      // Events of `a` keep arriving while the member rejoins with `b`.
      const during = publishEach(bus, [a], 50, 50);
      await bus.subscribe(b, handler);
      await during;
      await publishEach(bus, [a, b], 50, 100);
      await waitFor('150 of a and 50 of b', () => seen.size === 200, 30_000);
      expect(handled()).toBe(200);
    }, 60_000);
  });
}
