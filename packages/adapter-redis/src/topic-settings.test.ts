import { createEventBus } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { message, RedisFixture } from './test-support/fixture.ts';
import { REDIS_URL } from './test-support/servers.ts';

describe.skipIf(REDIS_URL === undefined)('topic settings and trimming', () => {
  const f = new RedisFixture(REDIS_URL ?? '');
  afterEach(() => f.cleanup());

  const burst = (topic: string, count: number, from = 0) =>
    Array.from({ length: count }, (_, n) => message(topic, from + n));

  it('trims a topic to about maxMessages on every XADD', async () => {
    const topic = f.topic();
    const t = await f.transport();
    await t.ensureTopic!({ name: topic, strategy: 'create-or-update', maxMessages: 100 });
    for (let i = 0; i < 5; i++) await t.send(burst(topic, 200, i * 200));
    const length = await f.admin.xlen(topic);
    // `~` trims whole macro nodes (100 entries each by default): at least the bound stays.
    expect(length).toBeGreaterThanOrEqual(100);
    expect(length).toBeLessThanOrEqual(300);
  });

  it('drops entries older than retentionMs as new ones arrive', async () => {
    const topic = f.topic();
    const t = await f.transport();
    await t.ensureTopic!({ name: topic, strategy: 'create-or-update', retentionMs: 60_000 });
    const old = Date.now() - 3_600_000;
    for (let i = 1; i <= 300; i++) await f.admin.xadd(topic, `${old}-${i}`, 'data', 'old');
    await t.send(burst(topic, 1));
    const oldest = await f.admin.xrange(topic, '-', '+', 'COUNT', 1);
    expect(await f.admin.xlen(topic)).toBeLessThan(301);
    expect(oldest[0]?.[0]).not.toBe(`${old}-1`);
  });

  it('with maxMessages and retentionMs, drops old entries on a send of one event and of a burst', async () => {
    for (const size of [1, 50]) {
      const topic = f.topic();
      const t = await f.transport();
      await t.ensureTopic!({
        name: topic,
        strategy: 'create-or-update',
        maxMessages: 100_000,
        retentionMs: 60_000,
      });
      const old = Date.now() - 3_600_000;
      for (let i = 1; i <= 300; i++) await f.admin.xadd(topic, `${old}-${i}`, 'data', 'old');
      const outcomes = await t.send(burst(topic, size));
      expect(outcomes.every((o) => o.ok)).toBe(true);
      const oldest = await f.admin.xrange(topic, '-', '+', 'COUNT', 1);
      expect(oldest[0]?.[0]).not.toBe(`${old}-1`);
      expect(await f.admin.xlen(topic)).toBeLessThan(300 + size);
    }
  });

  it('trims by the new bound once ensureTopic changes it, also publishing one event at a time', async () => {
    const topic = f.topic();
    const t = await f.transport();
    await t.ensureTopic!({ name: topic, strategy: 'create-or-update', maxMessages: 100_000 });
    for (let i = 0; i < 3; i++) await t.send(burst(topic, 1, i));
    await t.ensureTopic!({ name: topic, strategy: 'create-or-update', maxMessages: 100 });
    for (let i = 3; i < 600; i++) await t.send(burst(topic, 1, i));
    expect(await f.admin.xlen(topic)).toBeLessThanOrEqual(300);
  });

  it('bounds a topic nobody ensured with topicDefaults', async () => {
    const topic = f.topic();
    const t = await f.transport({ topicDefaults: { maxMessages: 50 } });
    for (let i = 0; i < 4; i++) await t.send(burst(topic, 250, i * 250));
    expect(await f.admin.xlen(topic)).toBeLessThan(300);
  });

  it('keeps the settings in Redis, so every publisher of the topic trims it alike', async () => {
    const topic = f.topic();
    await (await f.transport()).ensureTopic!({ name: topic, strategy: 'create-only', maxMessages: 100 });
    expect(await f.admin.hgetall(`${topic}:switchyard`)).toEqual({ maxMessages: '100', maxAgeMs: '0' });
    const other = await f.transport(); // another service: never called ensureTopic
    for (let i = 0; i < 5; i++) await other.send(burst(topic, 200, i * 200));
    expect(await f.admin.xlen(topic)).toBeLessThanOrEqual(300);
  });

  it('trims a topic to its stored settings after a publisher’s first burst to it (settings read beside the XADDs)', async () => {
    const topic = f.topic();
    await (await f.transport()).ensureTopic!({ name: topic, strategy: 'create-only', maxMessages: 100 });
    const other = await f.transport(); // has not read the topic's settings yet
    const outcomes = await other.send(burst(topic, 1_000));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(await f.admin.xlen(topic)).toBeLessThanOrEqual(300);
  });

  it('stores a first burst and warns when the topic’s settings cannot be read', async () => {
    const topic = f.topic();
    await f.admin.set(`${topic}:switchyard`, 'not a hash'); // HGETALL fails with WRONGTYPE
    const warnings: string[] = [];
    const t = await f.transport({
      logger: { warn: (m: string) => warnings.push(m), error: () => {}, info: () => {}, debug: () => {} },
    });
    const outcomes = await t.send(burst(topic, 10));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(await f.admin.xlen(topic)).toBe(10);
    expect(warnings.some((w) => w.includes(`topic ${topic}: stored, but not trimmed`))).toBe(true);
  });

  it('says nothing about trimming when a publish fails because the key is not a stream', async () => {
    // A user's walk: `redis-cli SET <topic> hello`, then bus.publish(<topic>, …) — the publish was
    // refused, yet the log said "stored, but not trimmed to its settings".
    const topic = f.topic();
    await f.admin.set(topic, 'hello');
    const warnings: string[] = [];
    const bus = createEventBus({
      source: 'orders-svc',
      transport: await f.transport({ logger: { warn: (m) => warnings.push(m), error: () => {} } }),
    });
    await expect(
      bus.publish(topic, { type: 'order.placed', data: { orderId: 'o-1' } }),
    ).rejects.toMatchObject({
      code: 'TOPIC_MISMATCH',
      message: expect.stringMatching(/the key is not a stream/),
    });
    await bus.close();
    expect(warnings.filter((w) => w.includes('not trimmed'))).toEqual([]);
    expect(await f.admin.get(topic)).toBe('hello');
  });

  it('trims by age and count after a first burst to a topic with both bounds', async () => {
    const topic = f.topic();
    await (await f.transport()).ensureTopic!({
      name: topic,
      strategy: 'create-only',
      maxMessages: 100_000,
      retentionMs: 60_000,
    });
    const old = Date.now() - 3_600_000;
    for (let i = 1; i <= 300; i++) await f.admin.xadd(topic, `${old}-${i}`, 'data', 'old');
    const other = await f.transport();
    await other.send(burst(topic, 10));
    expect(await f.admin.xlen(topic)).toBeLessThan(301);
  });

  it('creates an empty stream, leaves existing settings with create-only and replaces them with create-or-update', async () => {
    const topic = f.topic();
    const t = await f.transport();
    await t.ensureTopic!({ name: topic, strategy: 'create-only', maxMessages: 100 });
    expect(await f.admin.type(topic)).toBe('stream');
    expect(await f.admin.xlen(topic)).toBe(0);
    expect(((await f.admin.xinfo('GROUPS', topic)) as unknown[]).length).toBe(0);
    await t.ensureTopic!({ name: topic, strategy: 'create-only', maxMessages: 5 });
    expect(await f.admin.hget(`${topic}:switchyard`, 'maxMessages')).toBe('100');
    await t.ensureTopic!({ name: topic, strategy: 'create-or-update', maxMessages: 5, retentionMs: 1_000 });
    expect(await f.admin.hgetall(`${topic}:switchyard`)).toEqual({ maxMessages: '5', maxAgeMs: '1000' });
  });

  it('validates without changing anything, naming each difference', async () => {
    const topic = f.topic();
    const t = await f.transport();
    await expect(t.ensureTopic!({ name: topic, strategy: 'validate-only' })).rejects.toMatchObject({
      code: 'TOPIC_NOT_FOUND',
    });
    await t.ensureTopic!({ name: topic, strategy: 'create-only', maxMessages: 100 });
    await t.ensureTopic!({ name: topic, strategy: 'validate-only', maxMessages: 100 });
    const error = await t.ensureTopic!({
      name: topic,
      strategy: 'validate-only',
      maxMessages: 7,
      retentionMs: 5,
    }).then(
      () => undefined,
      (e: unknown) => e as Error & { code: string },
    );
    expect(error?.code).toBe('TOPIC_MISMATCH');
    expect(error?.message).toBe(
      `Redis topic ${JSON.stringify(topic)} differs from its spec: maxMessages 100 ≠ 7; retentionMs unlimited ≠ 5. Strategy validate-only changes nothing; create-or-update writes the spec's settings.`,
    );
  });

  it('refuses a topic whose key holds something else than a stream', async () => {
    const topic = f.topic();
    await f.admin.set(topic, 'not a stream');
    const t = await f.transport();
    await expect(t.ensureTopic!({ name: topic, strategy: 'create-only' })).rejects.toMatchObject({
      code: 'TOPIC_MISMATCH',
    });
    const [outcome] = await t.send([message(topic, 1)]);
    expect(outcome).toMatchObject({ ok: false, error: { code: 'TOPIC_MISMATCH' } });
  });

  it('warns once about settings a stream does not have', async () => {
    const warnings: string[] = [];
    const t = await f.transport({ logger: { warn: (m) => warnings.push(m), error: () => {} } });
    const topic = f.topic();
    await t.ensureTopic!({ name: topic, strategy: 'create-only', retentionBytes: 1_000, extra: { odd: 1 } });
    await t.ensureTopic!({
      name: f.topic(),
      strategy: 'create-only',
      retentionBytes: 1_000,
      extra: { odd: 1 },
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/ignoring retentionBytes .*; extra\.odd/);
  });
});
