import { randomUUID } from 'node:crypto';
import { createEventBus, type EventBus } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import type { MemberHealth } from './consumer/group-member.ts';
import { kafka } from './kafka.ts';
import { requireBroker } from './test-support/brokers.ts';
import { publishEachWhenAccepted, sleep, waitFor } from './test-support/fixture.ts';
import { privateKafkaForSuite } from './test-support/private-kafka.ts';

// Runs where the Kafka infra is in use (its jars are there); the broker it freezes is its own.
const KAFKA_BROKERS = requireBroker('KAFKA_BROKERS', 'kafka');

describe.skipIf(KAFKA_BROKERS === undefined)('kafka (platformatic): a consumer that lost the group', () => {
  let bus: EventBus | undefined;
  const broker = privateKafkaForSuite(4100, 'infra-kafka-restart-platformatic', () =>
    bus?.close({ drainTimeoutMs: 1_000 }),
  );

  it('is restarted by the transport when heartbeats stall, and events flow again', async () => {
    bus = createEventBus({
      source: 'svc',
      transport: kafka({
        driver: 'platformatic',
        brokers: broker.brokers,
        requestTimeoutMs: 2_000,
        connectTimeoutMs: 1_000,
        retry: { retries: 1, initialRetryTimeMs: 100, maxRetryTimeMs: 500 },
        consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000, rebalanceTimeoutMs: 6_000 },
        logLevel: 'error',
      }),
      onError: () => {},
    });
    const topic = `test.kafka.recovery.${randomUUID().slice(0, 8)}`;
    const seen = new Set<number>();
    await bus.subscribe(topic, (event) => {
      seen.add((event.data as { n: number }).n);
    });
    await bus.publish(topic, { type: 'item', data: { n: 0 } });
    await waitFor('the first event', () => seen.has(0), 20_000);
    const member = async () =>
      ((await bus!.health()).transport.details as { consumers: MemberHealth[] }).consumers[0]!;

    // Frozen longer than the rebalance timeout: no heartbeat succeeds, the client reports the
    // stall, and the member is restarted (before, the consumer went on as if it were a member).
    const frozenAt = Date.now();
    broker.pause();
    try {
      for (let state = (await member()).state; state === 'running'; state = (await member()).state) {
        if (Date.now() - frozenAt > 30_000) throw new Error('the member never left running');
        await sleep(100);
      }
    } finally {
      broker.resume();
    }
    for (let state = ''; state !== 'running'; state = (await member()).state) {
      if (Date.now() - frozenAt > 90_000) throw new Error('the consumer did not run again');
      await sleep(100);
    }
    const health = await member();
    expect(health.restarts).toBeGreaterThan(0);

    await publishEachWhenAccepted(bus, topic, 10);
    await waitFor('the events published after the restart', () => seen.size === 11, 30_000);
  }, 150_000);
});
