import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { createEventBus, type TopicSpec } from '@switchyard/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nats } from './nats.ts';
import { message, NatsFixture, quiet } from './test-support/fixture.ts';
import { TEST_SERVERS } from './test-support/servers.ts';

for (const server of TEST_SERVERS) {
  describe.skipIf(server.url === undefined)(`topic admin on ${server.label}`, () => {
    const f = new NatsFixture(server.url ?? '');
    let jsm: JetStreamManager;
    let close: () => Promise<void>;
    beforeAll(async () => {
      const nc = await connect({ servers: server.url ?? '' });
      jsm = await jetstreamManager(nc);
      close = () => nc.close();
    });
    afterAll(() => close?.());
    afterEach(() => f.cleanup());

    const streamOf = (topic: string) => jsm.streams.info(topic.replaceAll('.', '_'));
    const spec = (name: string, rest: Partial<TopicSpec>): TopicSpec => ({
      name,
      strategy: 'create-or-update',
      ...rest,
    });

    it('creates a stream with the retention, storage and duplicate window asked for', async () => {
      const t = await f.transport();
      const topic = f.topic();
      await t.ensureTopic!(
        spec(topic, {
          strategy: 'create-only',
          retentionMs: 60_000,
          retentionBytes: 1_000_000,
          maxMessages: 100,
          extra: { storage: 'memory', retention: 'workqueue', duplicateWindowMs: 10_000 },
        }),
      );
      const { config } = await streamOf(topic);
      expect(config).toMatchObject({
        subjects: [topic],
        storage: 'memory',
        retention: 'workqueue',
        max_age: nanos(60_000),
        max_bytes: 1_000_000,
        max_msgs: 100,
        duplicate_window: nanos(10_000),
      });
    });

    it('leaves an existing stream alone with create-only', async () => {
      const t = await f.transport();
      const topic = f.topic();
      await t.ensureTopic!(spec(topic, { strategy: 'create-only', maxMessages: 10 }));
      await t.ensureTopic!(spec(topic, { strategy: 'create-only', maxMessages: 20 }));
      expect((await streamOf(topic)).config.max_msgs).toBe(10);
    });

    it('updates what can change with create-or-update and refuses what cannot', async () => {
      const t = await f.transport();
      const topic = f.topic();
      await t.ensureTopic!(spec(topic, { maxMessages: 10 }));
      await t.ensureTopic!(spec(topic, { maxMessages: 20, retentionMs: 5_000 }));
      expect((await streamOf(topic)).config).toMatchObject({ max_msgs: 20, max_age: nanos(5_000) });
      await expect(t.ensureTopic!(spec(topic, { extra: { storage: 'memory' } }))).rejects.toMatchObject({
        code: 'TOPIC_MISMATCH',
        message: expect.stringMatching(/extra\.storage wants memory, the stream's storage is file/),
      });
    });

    it('validates without changing anything with validate-only', async () => {
      const t = await f.transport();
      const topic = f.topic();
      await expect(t.ensureTopic!(spec(topic, { strategy: 'validate-only' }))).rejects.toMatchObject({
        code: 'TOPIC_NOT_FOUND',
      });
      await t.ensureTopic!(spec(topic, { maxMessages: 10 }));
      await expect(
        t.ensureTopic!(spec(topic, { strategy: 'validate-only', maxMessages: 10 })),
      ).resolves.toBeUndefined();
      await expect(
        t.ensureTopic!(spec(topic, { strategy: 'validate-only', maxMessages: 11 })),
      ).rejects.toMatchObject({
        code: 'TOPIC_MISMATCH',
        message: expect.stringMatching(/maxMessages wants 11, the stream's max_msgs is 10/),
      });
      expect((await streamOf(topic)).config.max_msgs).toBe(10);
    });

    it('names the retention the user set, in a readable unit, when validate-only finds another', async () => {
      const bus = createEventBus({
        source: 'topic-admin-test',
        transport: nats({ servers: server.url ?? '', logger: quiet }),
      });
      const topic = f.topic('orders');
      try {
        await bus.ensureTopic({ name: topic, retentionMs: 7 * 24 * 3600_000, extra: { storage: 'file' } });
        const error = await bus
          .ensureTopic({ name: topic, strategy: 'validate-only', retentionMs: 1_000 })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(error).toMatchObject({ code: 'TOPIC_MISMATCH' });
        const { message } = error as Error;
        expect(message).toContain(
          "retentionMs wants 1 s (1000 ms), the stream's max_age is 7 d (604800000 ms)",
        );
        // A retention shorter than the duplicate window shortens the window with it.
        expect(message).toContain(
          "retentionMs (which caps the duplicate window) wants 1 s (1000 ms), the stream's duplicate_window is 2 min (120000 ms)",
        );
        expect(message).not.toMatch(/\d{10}/);
      } finally {
        await bus.close();
      }
    });

    it('touches nothing with skip', async () => {
      const t = await f.transport();
      const topic = f.topic();
      await t.ensureTopic!(spec(topic, { strategy: 'skip' }));
      await expect(streamOf(topic)).rejects.toThrow(/stream not found/);
    });

    it('refuses a topic whose stream name another topic already holds', async () => {
      const t = await f.transport();
      const topic = f.topic('a.b');
      await t.ensureTopic!(spec(topic, {}));
      const twin = topic.replace('a.b', 'a_b');
      await expect(t.ensureTopic!(spec(twin, {}))).rejects.toMatchObject({ code: 'TOPIC_MISMATCH' });
    });

    it('lets instances of a service create one topic’s stream at the same moment', async () => {
      // The loser of two creates at the same moment may hear "subjects overlap" (nats-server 2.9.10).
      const instances = await Promise.all(Array.from({ length: 6 }, () => f.transport()));
      for (let round = 0; round < 5; round++) {
        const topic = f.topic(`race${round}`);
        const outcomes = (await Promise.all(instances.map((t, i) => t.send([message(topic, i)])))).flat();
        expect(outcomes.map((o) => o.ok)).toEqual(instances.map(() => true));
        expect((await streamOf(topic)).state.messages).toBe(instances.length);
      }
    });

    it('publishes into a stream the user made that already covers the subject', async () => {
      const t = await f.transport();
      const prefix = f.topic('own');
      const stream = `OWN_${prefix.replaceAll('.', '_')}`;
      await jsm.streams.add({ name: stream, subjects: [`${prefix}.>`], storage: 'memory' });
      try {
        const [outcome] = await t.send([message(`${prefix}.orders`, 1)]);
        expect(outcome).toMatchObject({ ok: true, receipt: { stream, sequence: 1 } });
      } finally {
        await jsm.streams.delete(stream);
      }
    });
  });
}
