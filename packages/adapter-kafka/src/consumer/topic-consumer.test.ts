import { describe, expect, it } from 'vitest';
import { scriptedMember, tick } from '../test-support/scripted-consumer.ts';
import { RETRY_HEADERS } from './retry-topics.ts';

describe('TopicConsumer', () => {
  it('commits the first unacknowledged offset of each partition', async () => {
    const { current, consume, commit } = scriptedMember();
    const { received } = await consume('orders');
    expect(current().batch('orders', 0, [0, 1, 2, 3])).toBe(4);
    received[2]!.ack();
    received[0]!.ack();
    await commit();
    expect(current().lastCommitFor(0)).toBe('1');
    received[1]!.ack();
    received[3]!.ack();
    await commit();
    expect(current().lastCommitFor(0)).toBe('4');
  });

  it('ignores acks of a revoked partition, continues a kept one where it was, and drops re-fetches', async () => {
    const { current, consume, commit } = scriptedMember();
    const { received } = await consume('orders');
    const consumer = current();
    consumer.batch('orders', 0, [0, 1]);
    consumer.batch('orders', 1, [0, 1]);
    consumer.handlers.onAssigned(new Map([['orders', [1]]])); // partition 0 moved away
    expect(consumer.seeks).toEqual(['orders|1@2']);
    for (const m of received) m.ack();
    await commit();
    expect(consumer.lastCommitFor(0)).toBeUndefined();
    expect(consumer.lastCommitFor(1)).toBe('2');
    expect(consumer.batch('orders', 1, [0, 1, 2])).toBe(3);
    expect(received.map((m) => `${m.partition}:${m.offset}`)).toEqual(['0:0', '0:1', '1:0', '1:1', '1:2']);
  });

  it('holds an undelayed nack while core has paused intake, and redelivers it on resume', async () => {
    const { current, consume } = scriptedMember();
    const { handle, received } = await consume('orders');
    current().batch('orders', 0, [0]);
    handle.pause();
    received[0]!.nack();
    await tick(5);
    expect(received).toHaveLength(1);
    handle.resume();
    expect(received).toHaveLength(2);
    expect(received[1]!.attempt).toBe(2);
    received[1]!.ack();
  });

  it('redelivers a delayed nack in-process when retry topics are off, holding the commit until acked', async () => {
    const { current, consume, commit } = scriptedMember();
    const { received } = await consume('orders');
    current().batch('orders', 0, [0, 1]);
    received[0]!.nack({ delayMs: 20, nextAttempt: 4 });
    received[1]!.ack();
    await commit();
    expect(current().lastCommitFor(0)).toBe('0');
    await tick(40);
    expect(received[2]).toMatchObject({ offset: '0', attempt: 4 });
    received[2]!.ack();
    await commit();
    expect(current().lastCommitFor(0)).toBe('2');
  });

  it('pauses fetching its topic at prefetch and resumes at half', async () => {
    const { current, consume } = scriptedMember();
    const { received } = await consume('orders');
    current().batch(
      'orders',
      0,
      Array.from({ length: 100 }, (_, i) => i),
    );
    expect(current().paused).toEqual([{ topic: 'orders', partitions: [0, 1] }]);
    for (const m of received.slice(0, 51)) m.ack();
    expect(current().paused).toEqual([]);
  });

  it('reads a retry topic in due order: skips other groups, stops at the first event not due', async () => {
    const { current, consume, commit } = scriptedMember();
    const { received } = await consume('orders', { retryTopics: ['orders.retry.1s'] });
    const consumer = current();
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

  it('starts a partition the group never committed where it ended when consume() was called (latest)', async () => {
    const { current, consume } = scriptedMember();
    await consume('orders', { startFrom: 'latest', latestAtStart: new Map([[1, '17']]) });
    expect(current().seeks).toEqual(['orders|1@17']);
  });

  it('commits what is acknowledged on stop, then leaves the group', async () => {
    const { current, consume } = scriptedMember();
    const { handle, received } = await consume('orders');
    const consumer = current();
    consumer.batch('orders', 0, [0, 1]);
    received[0]!.ack();
    await handle.stop();
    expect(consumer.lastCommitFor(0)).toBe('1');
    expect(consumer.disconnected).toBe(true);
    received[1]!.ack(); // too late: ignored, redelivered to the next owner
    expect(consumer.batch('orders', 0, [2])).toBe(0);
  });

  it('lets a second stop wait for the first (core and the transport both stop on close)', async () => {
    const { current, consume } = scriptedMember();
    const { handle } = await consume('orders');
    const first = handle.stop();
    expect(handle.stop()).toBe(first);
    await first;
    expect(current().disconnected).toBe(true);
  });
});
