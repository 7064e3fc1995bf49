import { afterEach, describe, expect, it } from 'vitest';
import { message, RedisFixture, sleep, waitFor } from './test-support/fixture.ts';
import { REDIS_URL } from './test-support/servers.ts';

describe.skipIf(REDIS_URL === undefined)('consuming a group', () => {
  const f = new RedisFixture(REDIS_URL ?? '');
  afterEach(() => f.cleanup());

  const publish = async (topic: string, count: number, from = 0) => {
    const t = await f.transport();
    const outcomes = await t.send(Array.from({ length: count }, (_, n) => message(topic, from + n)));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    return outcomes;
  };

  it('stores an event as an entry of CloudEvents fields plus data, and the receipt names the entry', async () => {
    const topic = f.topic();
    const [outcome] = await publish(topic, 1);
    if (!outcome?.ok) throw new Error('publish failed');
    const entries = await f.admin.xrange(topic, '-', '+');
    expect(entries).toHaveLength(1);
    const [id, fields] = entries[0]!;
    expect(outcome.receipt).toEqual({ stream: topic, offset: id });
    expect(fields).toEqual([
      'ce_id',
      expect.any(String),
      'ce_type',
      'item',
      'ce_source',
      'test',
      'ce_specversion',
      '1.0',
      'ce_partitionkey',
      'k0',
      'data',
      '{"n":0}',
    ]);
  });

  it('delivers headers, key, the entry id and a first attempt of 1', async () => {
    const topic = f.topic();
    const [outcome] = await publish(topic, 1);
    const { received } = await f.collect(await f.transport(), { topic, group: 'g' });
    await waitFor('one message', () => received.length === 1);
    expect(received[0]).toMatchObject({
      topic,
      key: 'k0',
      attempt: 1,
      offset: outcome?.ok ? outcome.receipt.offset : '',
    });
    expect(received[0]!.headers.ce_type).toBe('item');
    expect(received[0]!.headers.data).toBeUndefined();
    expect(JSON.parse(Buffer.from(received[0]!.value).toString())).toEqual({ n: 0 });
  });

  it('shares a group between transports and gives every group every event', async () => {
    const topic = f.topic();
    const a = await f.collect(await f.transport(), { topic, group: 'shared', prefetch: 10 });
    const b = await f.collect(await f.transport(), { topic, group: 'shared', prefetch: 10 });
    const other = await f.collect(await f.transport(), { topic, group: 'other' });
    await publish(topic, 200);
    await waitFor('the shared group to get all 200', () => a.received.length + b.received.length === 200);
    await waitFor('the other group to get all 200', () => other.received.length === 200);
    expect(a.received.length).toBeGreaterThan(0);
    expect(b.received.length).toBeGreaterThan(0);
    expect(new Set([...a.received, ...b.received].map((m) => m.offset)).size).toBe(200);
  });

  it('reads two topics for one group independently on one transport', async () => {
    const orders = f.topic('orders');
    const payments = f.topic('payments');
    const t = await f.transport();
    const a = await f.collect(t, { topic: orders, group: 'billing' }, false);
    const b = await f.collect(t, { topic: payments, group: 'billing' });
    await publish(orders, 5);
    await publish(payments, 7);
    await waitFor('both topics', () => a.received.length === 5 && b.received.length === 7);
    a.handle.pause();
    await publish(payments, 3, 7);
    await waitFor('payments while orders is paused', () => b.received.length === 10);
    expect(a.received.every((m) => m.topic === orders)).toBe(true);
    expect(b.received.every((m) => m.topic === payments)).toBe(true);
  });

  it('hands over at most prefetch unsettled events and reads more as they are acked', async () => {
    const topic = f.topic();
    await publish(topic, 50);
    const { received } = await f.collect(await f.transport(), { topic, group: 'g', prefetch: 10 }, false);
    await waitFor('the first ten', () => received.length === 10);
    await sleep(300);
    expect(received).toHaveLength(10);
    for (const m of received.slice(0, 5)) m.ack();
    await waitFor('five more once five were acked', () => received.length === 15);
  });

  it('stops handing over while paused and resumes', async () => {
    const topic = f.topic();
    const { received, handle } = await f.collect(await f.transport(), { topic, group: 'g' });
    await publish(topic, 3);
    await waitFor('three', () => received.length === 3);
    handle.pause();
    await sleep(50); // the read in flight may still deliver what it takes; let it
    const before = received.length;
    await publish(topic, 5, 3);
    await sleep(300);
    expect(received.length).toBeLessThanOrEqual(before + 5);
    const whilePaused = received.length;
    handle.resume();
    await waitFor('all eight after resume', () => received.length === 8);
    expect(whilePaused).toBeLessThan(8);
  });

  it('starts a new group at the end of the stream with startFrom latest', async () => {
    const topic = f.topic();
    await publish(topic, 3);
    const { received } = await f.collect(await f.transport(), { topic, group: 'late', startFrom: 'latest' });
    await publish(topic, 2, 3);
    await waitFor('the two published after subscribing', () => received.length === 2);
    await sleep(200);
    expect(received.map((m) => JSON.parse(Buffer.from(m.value).toString()).n)).toEqual([3, 4]);
  });

  it('reports lag from the group: unread entries and entries read but not acknowledged', async () => {
    const topic = f.topic();
    const t = await f.transport();
    await publish(topic, 10);
    const { received, handle } = await f.collect(t, { topic, group: 'g', prefetch: 4 }, false);
    await waitFor('four handed over', () => received.length === 4);
    expect(await handle.lag!()).toEqual({ total: 10, pending: 6, ackPending: 4 });
    let acked = 0;
    await waitFor('all ten handled', () => {
      for (const m of received.slice(acked)) m.ack();
      acked = received.length;
      return acked === 10;
    });
    await eventually('no lag', async () => (await handle.lag!()).total === 0);
  });

  it('hands a nacked event over again on resume, with the same attempt', async () => {
    const topic = f.topic();
    await publish(topic, 1);
    const { received, handle } = await f.collect(await f.transport(), { topic, group: 'g' }, false);
    await waitFor('the event', () => received.length === 1);
    handle.pause();
    received[0]!.nack();
    await sleep(100);
    expect(received).toHaveLength(1);
    handle.resume();
    await waitFor('the event again', () => received.length === 2);
    expect(received[1]).toMatchObject({ offset: received[0]!.offset, attempt: 1 });
  });

  it('redelivers after nack({ delayMs }) with the next attempt while other events flow', async () => {
    const topic = f.topic();
    await publish(topic, 1);
    const { received } = await f.collect(await f.transport(), { topic, group: 'g' }, false);
    await waitFor('the event', () => received.length === 1);
    const nackedAt = performance.now();
    received[0]!.nack({ delayMs: 400, nextAttempt: 3 });
    await publish(topic, 3, 1);
    await waitFor('the three others', () => received.length === 4);
    expect(performance.now() - nackedAt).toBeLessThan(400);
    await waitFor('the delayed one', () => received.length === 5);
    expect(performance.now() - nackedAt).toBeGreaterThanOrEqual(390);
    expect(received[4]).toMatchObject({ offset: received[0]!.offset, attempt: 3 });
  });

  it('gives a member’s entries to the next member at once when it stops with them unacknowledged', async () => {
    const topic = f.topic();
    await publish(topic, 20);
    const first = await f.collect(await f.transport(), { topic, group: 'g' }, false);
    await waitFor('all twenty held', () => first.received.length === 20);
    first.received[0]!.ack();
    for (const m of first.received.slice(1, 5)) m.nack();
    await first.handle.stop();
    const started = performance.now();
    const second = await f.collect(await f.transport(), { topic, group: 'g' });
    await waitFor('the nineteen the first did not ack', () => second.received.length === 19);
    expect(performance.now() - started).toBeLessThan(5_000); // long before the 30 s lease
    expect(second.received.every((m) => m.attempt === 2)).toBe(true);
  });

  it('claims the entries of a member that vanished once their lease expired, counting the attempt', async () => {
    const topic = f.topic();
    await publish(topic, 10);
    // A member that read ten entries and crashed: they sit in its pending list, idle.
    await f.admin.xgroup('CREATE', topic, 'g', '0');
    await f.admin.xreadgroup('GROUP', 'g', 'crashed', 'COUNT', 10, 'STREAMS', topic, '>');
    const survivor = await f.collect(await f.transport({ ackWaitMs: 1_000, claimIntervalMs: 100 }), {
      topic,
      group: 'g',
      ackTimeoutMs: 1_000,
    });
    await waitFor('the ten claimed', () => survivor.received.length >= 10, 10_000);
    expect(new Set(survivor.received.map((m) => m.offset)).size).toBe(10);
    expect(survivor.received.map((m) => m.attempt)).toEqual(Array(10).fill(2));
  });

  it('keeps the lease of an event whose handler is still working', async () => {
    const topic = f.topic();
    await publish(topic, 1);
    const options = { ackWaitMs: 1_000, claimIntervalMs: 100 };
    const slow = await f.collect(
      await f.transport(options),
      { topic, group: 'g', ackTimeoutMs: 10_000 },
      false,
    );
    await waitFor('the event', () => slow.received.length === 1);
    const other = await f.collect(await f.transport(options), { topic, group: 'g', ackTimeoutMs: 10_000 });
    await sleep(2_500); // two and a half leases
    expect(other.received).toHaveLength(0);
    slow.received[0]!.ack();
  });

  it('removes members that left nothing pending and stopped reading', async () => {
    const topic = f.topic();
    await publish(topic, 1);
    // What a crashed instance leaves once its entries were claimed: a member with nothing pending.
    await f.admin.xgroup('CREATE', topic, 'g', '0');
    await f.admin.xgroup('CREATECONSUMER', topic, 'g', 'crashed');
    await sleep(1_100);
    await f.collect(await f.transport({ idleConsumerTimeoutMs: 1_000 }), { topic, group: 'g' });
    await eventually(
      'the silent member removed',
      async () => !(await consumers(f, topic, 'g')).includes('crashed'),
    );
    expect(await consumers(f, topic, 'g')).toHaveLength(1);
  });

  it('leaves the group on a clean stop', async () => {
    const topic = f.topic();
    const { handle, received } = await f.collect(await f.transport(), { topic, group: 'g' });
    await publish(topic, 1); // Redis adds a member to the group when it first reads an entry
    await waitFor('the event', () => received.length === 1);
    expect(await consumers(f, topic, 'g')).toHaveLength(1);
    await handle.stop();
    expect(await consumers(f, topic, 'g')).toHaveLength(0);
  });

  it('re-creates the group and keeps reading when the stream is deleted under a blocked read', async () => {
    const topic = f.topic();
    const { received } = await f.collect(await f.transport(), { topic, group: 'g' });
    await publish(topic, 1);
    await waitFor('the first event', () => received.length === 1);
    await f.admin.del(topic);
    await sleep(200);
    await publish(topic, 3, 1);
    await waitFor('the events written after the deletion', () => received.length === 4, 10_000);
  });

  it('fails with TOPIC_NOT_FOUND for a missing stream when autoCreateTopics is off', async () => {
    const topic = f.topic();
    const t = await f.transport({ autoCreateTopics: false });
    const [outcome] = await t.send([message(topic, 1)]);
    expect(outcome).toMatchObject({ ok: false, error: { code: 'TOPIC_NOT_FOUND' } });
    await expect(
      t.consume(
        { topic, group: 'g', prefetch: 1, startFrom: 'earliest', maxDeliveries: 1, ackTimeoutMs: 30_000 },
        () => {},
      ),
    ).rejects.toMatchObject({ code: 'TOPIC_NOT_FOUND' });
    await t.ensureTopic!({ name: topic, strategy: 'create-only' });
    const [after] = await t.send([message(topic, 1)]);
    expect(after?.ok).toBe(true);
  });
});

async function consumers(f: RedisFixture, topic: string, group: string): Promise<string[]> {
  const list = (await f.admin.xinfo('CONSUMERS', topic, group).catch(() => [])) as unknown[][];
  return list.map((fields) => String(fields[1]));
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}
