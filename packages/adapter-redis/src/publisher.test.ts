import { Socket } from 'node:net';
import { createEventBus, isEventBusError } from '@switchyard/core';
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

  it('sends the publishes of one tick (up to core’s ~64 KiB send) in one socket write, stored in publish order', async () => {
    const topic = f.topic();
    const bus = createEventBus({ source: 'orders-svc', transport: await f.transport() });
    await bus.publish(topic, { type: 'warmup', data: {} }); // connected, topic settings read
    const writev = vi.spyOn(Socket.prototype, '_writev');
    const write = vi.spyOn(Socket.prototype, '_write');
    const receipts = await Promise.all(
      Array.from({ length: 200 }, (_, n) =>
        bus.publish(topic, { type: 'item', data: { n }, key: `k${n % 10}` }),
      ),
    );
    expect(writev.mock.calls.length + write.mock.calls.length).toBe(1);
    expect(new Set(receipts.map((r) => r.offset)).size).toBe(200);
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
});
