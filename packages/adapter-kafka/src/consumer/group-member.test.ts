import { isEventBusError } from '@switchyard/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { scriptedMember } from '../test-support/scripted-consumer.ts';

afterEach(() => vi.useRealTimers());

/** Fake clocks for the backoff; setImmediate stays real (a start lets calls of the same turn join it). */
const fakeTimers = () =>
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });

const retriable = (message: string) => Object.assign(new Error(message), { retriable: true });

describe('GroupMember', () => {
  it('reads several topics as one client consumer, each topic to its own consumer', async () => {
    const { consumers, current, consume } = scriptedMember();
    const a = await consume('a');
    const b = await consume('b');
    expect(current().topics).toEqual(['a', 'b']);
    current().batch('a', 0, [0]);
    current().batch('b', 1, [0, 1]);
    expect(a.received.map((m) => m.topic)).toEqual(['a']);
    expect(b.received.map((m) => `${m.topic}:${m.partition}`)).toEqual(['b:1', 'b:1']);
    // Adding `b` restarted the same client consumer: stop (leave), subscribe `b`, run.
    expect(consumers).toHaveLength(1);
    expect(current()).toMatchObject({ runs: 2, stops: 1 });
  });

  it('commits what is acked before it leaves to rejoin, and reads what had not run again from there', async () => {
    const { current, consume, commit } = scriptedMember();
    const a = await consume('a');
    current().batch('a', 0, [0, 1, 2]);
    a.received[0]!.ack();
    await consume('b');
    expect(current().commits[0]).toEqual([{ topic: 'a', partition: 0, offset: '1' }]);
    // Another member may have read partition 0 while this one was out of the group: it starts
    // again from the group's commit, and 1 and 2, which had not run, are skipped here.
    expect(current().seeks).toEqual([]);
    expect(a.received[1]!.signal?.aborted).toBe(true);
    expect(a.received[2]!.signal?.aborted).toBe(true);
    current().batch('a', 0, [1, 2]);
    a.received[3]!.ack();
    a.received[4]!.ack();
    await commit();
    expect(current().lastCommitFor(0, 'a')).toBe('3');
  });

  it('from a rebalance on, commits what is acked and holds every topic’s handlers until the new assignment', async () => {
    const { current, consume } = scriptedMember();
    const a = await consume('a');
    const b = await consume('b');
    current().batch('a', 0, [0, 1]);
    a.received[0]!.ack();
    void current().handlers.onRebalancing(false);
    // Sent before the client rejoins (synchronously), not at the next interval.
    expect(current().commits.at(-1)).toEqual([{ topic: 'a', partition: 0, offset: '1' }]);
    expect([a.intake.held, b.intake.held]).toEqual([true, true]);
    // Partition 0 of `a` went to another member: its event still waiting is skipped once released.
    current().handlers.onAssigned(
      new Map([
        ['a', [1]],
        ['b', [0, 1]],
      ]),
    );
    expect([a.intake.held, b.intake.held]).toEqual([false, false]);
    expect(a.received[1]!.signal?.aborted).toBe(true);
  });

  it('where the rejoin waits for it, commits the events of the handlers running when the rebalance began', async () => {
    const { current, consume } = scriptedMember();
    const a = await consume('a');
    current().batch('a', 0, [0, 1]);
    a.received[0]!.ack();
    let finish!: () => void;
    a.intake.running = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const rebalanced = current().handlers.onRebalancing(true);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(a.intake.held).toBe(true);
    expect(current().commits).toEqual([]); // not before the running handler is done
    a.received[1]!.ack(); // the handler running at the rebalance ends
    finish();
    await rebalanced;
    // Both events committed before the member rejoins: the new owner of partition 0 starts after them.
    expect(current().commits.at(-1)).toEqual([{ topic: 'a', partition: 0, offset: '2' }]);
  });

  it('before it leaves to add a topic, holds the handlers and commits those running, as in a rebalance', async () => {
    const { current, consume } = scriptedMember();
    const a = await consume('a');
    current().batch('a', 0, [0, 1, 2]);
    a.received[0]!.ack();
    let finish!: () => void;
    a.intake.running = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const added = consume('b');
    await new Promise((resolve) => setTimeout(resolve, 10));
    // The other members take this one's partitions while it rejoins: nothing more starts here, and
    // the stop waits for the running handler, so its event is committed before they do.
    expect(a.intake.held).toBe(true);
    expect(current().stops).toBe(0);
    a.received[1]!.ack();
    finish();
    await added;
    expect(current().commits[0]).toEqual([{ topic: 'a', partition: 0, offset: '2' }]);
    expect(current().stops).toBe(1);
    expect(a.intake.held).toBe(false); // released by the new assignment
  });

  it('pauses only the topic whose consumer is paused', async () => {
    const { current, consume } = scriptedMember();
    const a = await consume('a');
    await consume('b');
    a.handle.pause();
    expect(current().paused).toEqual([{ topic: 'a', partitions: [0, 1] }]);
    a.handle.resume();
    expect(current().paused).toEqual([]);
  });

  it('starts once for consumers added while a start is being prepared', async () => {
    const { member, consumers, current, consume } = scriptedMember();
    const release = member.reserve(); // a consume() still creating its retry topics
    const started = Promise.all(['a', 'b', 'c'].map((topic) => consume(topic)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(consumers).toHaveLength(0);
    release();
    await started;
    expect(consumers).toHaveLength(1);
    expect(current()).toMatchObject({ runs: 1, topics: ['a', 'b', 'c'] });
    expect(member.health()).toMatchObject({ state: 'running', joins: 1, restarts: 0 });
  });

  it('goes on with the other topics on a new client consumer when one stops; the last stop leaves', async () => {
    const { consumers, current, consume } = scriptedMember();
    const a = await consume('a');
    const b = await consume('b');
    const first = current();
    await a.handle.stop();
    expect(first.disconnected).toBe(true); // kafkajs cannot drop a topic from a consumer
    expect(consumers).toHaveLength(2);
    expect(current().topics).toEqual(['b']);
    current().batch('b', 0, [0]);
    expect(b.received).toHaveLength(1);
    expect(current().batch('a', 0, [0])).toBe(0);
    await b.handle.stop();
    expect(current().disconnected).toBe(true);
    expect(consumers).toHaveLength(2);
  });

  it('refuses a second consumer for a topic the group already reads here', async () => {
    const { consume } = scriptedMember();
    await consume('a');
    const error = await consume('a').catch((e: unknown) => e);
    expect(isEventBusError(error, 'UNSUPPORTED')).toBe(true);
    expect((error as Error).message).toMatch(/already consumed by group billing/);
  });

  it('rejects the consumers of a first start that fails, and leaves the group to a later start', async () => {
    const { member, consumers, current, consume, failNextConsumer } = scriptedMember();
    failNextConsumer(new Error('not authorized for group billing'));
    const error = await consume('a').catch((e: unknown) => e);
    expect((error as Error).message).toBe('not authorized for group billing');
    expect(member.health()).toMatchObject({ state: 'stopped', topics: [] });
    await consume('b');
    expect(consumers).toHaveLength(2);
    expect(current().topics).toEqual(['b']);
  });

  it('adds a topic to a running member without waiting for the rejoin; a rejoin that fails is reported and retried with the topic', async () => {
    fakeTimers();
    const { member, consumers, current, consume, errors } = scriptedMember();
    await consume('a');
    current().failNextRun = new Error('coordinator moved');
    await consume('b', { unsettled: true });
    expect(current().runs).toBe(1); // resolved before the rejoin
    await member.settled();
    expect(current().runs).toBe(2);
    expect(member.health()).toMatchObject({ state: 'restarting' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(consumers).toHaveLength(2);
    expect(current().topics).toEqual(['a', 'b']);
    expect(member.health()).toMatchObject({ state: 'running', restarts: 1 });
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/coordinator moved/)]);
  });

  it('restarts a client consumer that gave up, with backoff, keeping topics and in-flight events', async () => {
    fakeTimers();
    const { member, consumers, current, consume, commit, errors } = scriptedMember();
    const a = await consume('a');
    const crashed = current();
    crashed.batch('a', 0, [0, 1]);
    crashed.handlers.onCrash(retriable('coordinator gone'), false);
    expect(member.health()).toMatchObject({
      state: 'restarting',
      restarts: 0,
      lastError: expect.stringMatching(/coordinator gone/),
    });
    expect(errors).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(consumers).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(consumers).toHaveLength(2);
    expect(current().topics).toEqual(['a']);
    expect(current().seeks).toContain('a|0@2');
    expect(member.health()).toMatchObject({ state: 'running', restarts: 1 });
    for (const m of a.received) m.ack();
    await commit();
    expect(current().lastCommitFor(0, 'a')).toBe('2');
    // A second crash soon after waits twice as long.
    current().handlers.onCrash(retriable('again'), false);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(consumers).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(consumers).toHaveLength(3);
    expect(member.health()).toMatchObject({ state: 'running', restarts: 2 });
  });

  it('leaves a restart kafkajs makes itself to kafkajs, and shows it in health', async () => {
    const { member, consumers, current, consume } = scriptedMember();
    await consume('a');
    current().handlers.onCrash(retriable('request timed out'), true);
    expect(member.health()).toMatchObject({ state: 'restarting', restarts: 1 });
    current().handlers.onAssigned(new Map([['a', [0, 1]]]));
    expect(member.health()).toMatchObject({ state: 'running', restarts: 1, joins: 2 });
    expect(consumers).toHaveLength(1);
  });
});
