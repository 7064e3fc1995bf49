import { Socket } from 'node:net';
import { createEventBus, isEventBusError } from '@switchyard/core';
import { publishBurst } from '@switchyard/testkit';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { redis } from './redis.ts';
import { message, quiet, RedisFixture } from './test-support/fixture.ts';
import { REDIS_URL } from './test-support/servers.ts';

describe.skipIf(REDIS_URL === undefined)('publishing', () => {
  const f = new RedisFixture(REDIS_URL ?? '');
  afterEach(async () => {
    vi.restoreAllMocks();
    await f.cleanup();
  });

  it('sends the publishes of one core send in one socket write, stored in publish order', async () => {
    const topic = f.topic();
    const bus = createEventBus({ source: 'orders-svc', transport: await f.transport() });
    await bus.publish(topic, { type: 'warmup', data: {} }); // connected, topic settings read
    const writev = vi.spyOn(Socket.prototype, '_writev');
    const write = vi.spyOn(Socket.prototype, '_write');
    // A tick under core's first send (~4 KiB) reaches the transport as one send.
    const receipts = await Promise.all(
      Array.from({ length: 10 }, (_, n) => bus.publish(topic, { type: 'item', data: { n }, key: `k${n}` })),
    );
    expect(writev.mock.calls.length + write.mock.calls.length).toBe(1);
    expect(new Set(receipts.map((r) => r.offset)).size).toBe(10);
    const stored = await f.admin.xrange(topic, '-', '+');
    expect(stored.slice(1).map(([id]) => id)).toEqual(receipts.map((r) => r.offset));
    await bus.close();
  });

  it('does not make an ioredis pipeline per send (its objects outlived the send, lengthening GC pauses)', async () => {
    const topic = f.topic();
    const bus = createEventBus({ source: 'orders-svc', transport: await f.transport() });
    await bus.publish(topic, { type: 'warmup', data: {} });
    const pipeline = vi.spyOn(Redis.prototype, 'pipeline');
    await Promise.all(
      Array.from({ length: 20 }, (_, n) => bus.publish(topic, { type: 'item', data: { n } })),
    );
    expect(pipeline).not.toHaveBeenCalled();
    expect(await f.admin.xlen(topic)).toBe(21);
    await bus.close();
  });

  it('puts the first events of a 2,000-event burst on the wire before the publishing loop returns, also on a topic new to the bus', async () => {
    // The plan scenario's first-event latency: a burst's XADDs left only once the loop was done —
    // each send waited a microtask for the connection, and a topic's first send a round trip for
    // its trim settings.
    const topic = f.topic();
    await (await f.transport()).ensureTopic!({ name: topic, strategy: 'create-only', maxMessages: 100_000 });
    const bus = createEventBus({ source: 'orders-svc', transport: await f.transport() });
    await bus.connect();
    const { writesDuringLoop, receipts } = await publishBurst(bus, topic);
    expect(writesDuringLoop).toBeGreaterThan(0);
    expect(receipts).toHaveLength(2_000);
    expect(await f.admin.xlen(topic)).toBe(2_000);
    await bus.close();
  });

  it('refuses an oversize event before sending it and keeps its neighbours', async () => {
    const topic = f.topic();
    const t = await f.transport({ maxMessageBytes: 1_000 });
    const outcomes = await t.send([
      message(topic, 1),
      message(topic, 2, { value: Buffer.alloc(1_001) }),
      message(topic, 3),
    ]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    const refused = outcomes[1];
    expect(refused?.ok === false && isEventBusError(refused.error, 'EVENT_TOO_LARGE')).toBe(true);
    expect(refused?.ok === false && refused.error.message).toMatch(
      /bytes with headers; the transport accepts at most 1000/,
    );
    expect(await f.admin.xlen(topic)).toBe(2);
  });

  it('refuses a header named like the data field', async () => {
    const topic = f.topic();
    const t = await f.transport();
    const [outcome] = await t.send([message(topic, 1, { headers: { ce_id: 'x', data: 'mine' } })]);
    expect(outcome).toMatchObject({ ok: false, error: { code: 'INVALID_EVENT' } });
  });

  it('fails to connect within connectTimeoutMs when nothing listens, retriably', async () => {
    const t = redis({
      url: 'redis://127.0.0.1:1',
      connectTimeoutMs: 300,
      reconnectWaitMs: 50,
      logger: quiet,
    });
    const started = performance.now();
    const error = await t.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isEventBusError(error, 'CONNECTION_FAILED')).toBe(true);
    expect((error as { retriable: boolean }).retriable).toBe(true);
    expect(performance.now() - started).toBeLessThan(2_000);
    await t.close();
  });

  it('fails with CONNECTION_FAILED, saying the refusal once, when maxReconnectAttempts run out', async () => {
    const t = redis({
      url: 'redis://127.0.0.1:1',
      maxReconnectAttempts: 1,
      reconnectWaitMs: 50,
      connectTimeoutMs: 3_000,
      logger: quiet,
    });
    const error = await t.connect().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(isEventBusError(error, 'CONNECTION_FAILED')).toBe(true);
    expect(error?.message).toBe(
      'Redis connect (redis://127.0.0.1:1/0) failed: connect ECONNREFUSED 127.0.0.1:1. Is the server running and reachable?',
    );
    await t.close();
  });

  it('says once why a publish could not connect when nothing listens, without the password', async () => {
    const bus = createEventBus({
      source: 'orders-svc',
      transport: redis({ url: 'redis://alice:s3cret@127.0.0.1:1', connectTimeoutMs: 300, logger: quiet }),
      onError: () => {},
    });
    const error = await bus.publish('orders', { type: 'order.placed', data: {} }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(isEventBusError(error, 'CONNECTION_FAILED')).toBe(true);
    expect(error?.message).toBe(
      'Redis connect (redis://127.0.0.1:1/0) failed: no connection within connectTimeoutMs 300 (last error: connect ECONNREFUSED 127.0.0.1:1). Is the server running and reachable?',
    );
    expect(JSON.stringify([error, error?.cause, (await bus.health()).transport])).not.toContain('s3cret');
    await bus.close();
  });
});
