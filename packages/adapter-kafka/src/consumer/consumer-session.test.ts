import type { InboundMessage } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import type { DriverBatch, DriverConsumer, DriverConsumerHandlers, KafkaDriver } from '../driver/driver.ts';
import { ConsumerSession } from './consumer-session.ts';
import { RETRY_HEADERS } from './retry-topics.ts';

/** A stand-in for the client's group member: the test plays the broker's part (assignments, batches). */
class ScriptedConsumer implements DriverConsumer {
  handlers!: DriverConsumerHandlers;
  commits: Array<Array<{ topic: string; partition: number; offset: string }>> = [];
  paused: ReadonlyArray<{ topic: string; partitions: readonly number[] }> = [];
  disconnected = false;
  async subscribe() {}
  async run(handlers: DriverConsumerHandlers) {
    this.handlers = handlers;
    handlers.onAssigned(new Map([['orders', [0, 1]]]));
  }
  seek() {}
  setPaused(paused: ReadonlyArray<{ topic: string; partitions: readonly number[] }>) {
    this.paused = paused;
  }
  async commit(offsets: ReadonlyArray<{ topic: string; partition: number; offset: string }>) {
    this.commits.push([...offsets]);
  }
  async disconnect() {
    this.disconnected = true;
  }
  batch(topic: string, partition: number, offsets: number[], headers: Record<string, string> = {}): number {
    const b: DriverBatch = {
      topic,
      partition,
      messages: offsets.map((o) => ({
        offset: String(o),
        key: Buffer.from(`k${o}`),
        value: Buffer.from(String(o)),
        headers,
        timestamp: '0',
      })),
    };
    return this.handlers.onBatch(b);
  }
  lastCommitFor(partition: number, topic = 'orders'): string | undefined {
    for (const c of [...this.commits].reverse()) {
      const hit = c.find((o) => o.partition === partition && o.topic === topic);
      if (hit) return hit.offset;
    }
    return undefined;
  }
}

async function session(retryTopics: string[] = []) {
  const consumer = new ScriptedConsumer();
  const driver = { createConsumer: () => consumer } as unknown as KafkaDriver;
  const received: InboundMessage[] = [];
  const s = new ConsumerSession(
    { driver, commitIntervalMs: 60_000, parking: undefined, secrets: [], onError: () => {}, log: () => {} },
    {
      topic: 'orders',
      group: 'billing',
      prefetch: 100,
      startFrom: 'earliest',
      maxDeliveries: 5,
      ackTimeoutMs: 1000,
    },
    retryTopics,
    (messages) => received.push(...messages),
  );
  await s.start();
  const commit = () => (s as unknown as { commitNow(): Promise<void> }).commitNow();
  return { s, consumer, received, commit };
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ConsumerSession', () => {
  it('commits the first unacknowledged offset of each partition', async () => {
    const { consumer, received, commit } = await session();
    expect(consumer.batch('orders', 0, [0, 1, 2, 3])).toBe(4);
    received[2]!.ack();
    received[0]!.ack();
    await commit();
    expect(consumer.lastCommitFor(0)).toBe('1');
    received[1]!.ack();
    received[3]!.ack();
    await commit();
    expect(consumer.lastCommitFor(0)).toBe('4');
  });

  it('ignores acks of a revoked partition and drops re-fetched events of a kept one', async () => {
    const { consumer, received, commit } = await session();
    consumer.batch('orders', 0, [0, 1]);
    consumer.batch('orders', 1, [0, 1]);
    consumer.handlers.onAssigned(new Map([['orders', [1]]])); // partition 0 moved away
    for (const m of received) m.ack();
    await commit();
    expect(consumer.lastCommitFor(0)).toBeUndefined();
    expect(consumer.lastCommitFor(1)).toBe('2');
    // kafkajs re-fetches the kept partition from its last commit after a rebalance:
    expect(consumer.batch('orders', 1, [0, 1, 2])).toBe(3);
    expect(received.map((m) => `${m.partition}:${m.offset}`)).toEqual(['0:0', '0:1', '1:0', '1:1', '1:2']);
  });

  it('holds an undelayed nack while core has paused intake, and redelivers it on resume', async () => {
    const { s, consumer, received } = await session();
    consumer.batch('orders', 0, [0]);
    s.pause();
    received[0]!.nack();
    await tick(5);
    expect(received).toHaveLength(1);
    s.resume();
    expect(received).toHaveLength(2);
    expect(received[1]!.attempt).toBe(2);
    received[1]!.ack();
  });

  it('redelivers a delayed nack in-process when retry topics are off, holding the commit until acked', async () => {
    const { consumer, received, commit } = await session();
    consumer.batch('orders', 0, [0, 1]);
    received[0]!.nack({ delayMs: 20, nextAttempt: 4 });
    received[1]!.ack();
    await commit();
    expect(consumer.lastCommitFor(0)).toBe('0');
    await tick(40);
    expect(received[2]).toMatchObject({ offset: '0', attempt: 4 });
    received[2]!.ack();
    await commit();
    expect(consumer.lastCommitFor(0)).toBe('2');
  });

  it('pauses fetching at prefetch and resumes at half', async () => {
    const { consumer, received } = await session();
    consumer.batch(
      'orders',
      0,
      Array.from({ length: 100 }, (_, i) => i),
    );
    expect(consumer.paused).toEqual([{ topic: 'orders', partitions: [0, 1] }]);
    for (const m of received.slice(0, 51)) m.ack();
    expect(consumer.paused).toEqual([]);
  });

  it('reads a retry topic in due order: skips other groups, stops at the first event not due', async () => {
    const { consumer, received, commit } = await session(['orders.retry.1s']);
    consumer.handlers.onAssigned(
      new Map([
        ['orders', [0]],
        ['orders.retry.1s', [0]],
      ]),
    );
    const parked = (group: string, dueAt: number) => ({
      [RETRY_HEADERS.group]: group,
      [RETRY_HEADERS.due]: String(dueAt),
      [RETRY_HEADERS.attempt]: '3',
      [RETRY_HEADERS.topic]: 'orders',
      [RETRY_HEADERS.partition]: '0',
      [RETRY_HEADERS.offset]: '41',
      'x-user': 'u',
    });
    expect(consumer.batch('orders.retry.1s', 0, [0], parked('shipping', 0))).toBe(1);
    expect(consumer.batch('orders.retry.1s', 0, [1], parked('billing', 0))).toBe(1);
    expect(consumer.batch('orders.retry.1s', 0, [2], parked('billing', Date.now() + 60_000))).toBe(0);
    expect(consumer.paused).toEqual([{ topic: 'orders.retry.1s', partitions: [0] }]);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      topic: 'orders',
      partition: 0,
      offset: '41',
      attempt: 3,
      headers: { 'x-user': 'u' },
    });
    received[0]!.ack();
    await commit();
    expect(consumer.lastCommitFor(0, 'orders.retry.1s')).toBe('2');
  });

  it('commits what is acknowledged on stop, then leaves the group', async () => {
    const { s, consumer, received } = await session();
    consumer.batch('orders', 0, [0, 1]);
    received[0]!.ack();
    await s.stop();
    expect(consumer.lastCommitFor(0)).toBe('1');
    expect(consumer.disconnected).toBe(true);
    received[1]!.ack(); // too late: ignored, redelivered to the next owner
    expect(consumer.batch('orders', 0, [2])).toBe(0);
  });
});
