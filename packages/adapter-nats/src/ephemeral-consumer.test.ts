import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { TransportHealth } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { message, NatsFixture, sleep, waitFor } from './test-support/fixture.ts';
import { TEST_SERVERS } from './test-support/servers.ts';

for (const server of TEST_SERVERS) {
  describe.skipIf(server.url === undefined)(`ephemeral topics on ${server.label}`, () => {
    const f = new NatsFixture(server.url ?? '');
    afterEach(() => f.cleanup());

    it('carries an ephemeral topic over core NATS without creating a stream', async () => {
      const t = await f.transport();
      const topic = f.topic();
      await t.ensureTopic!({ name: topic, strategy: 'create-or-update', durability: 'ephemeral' });
      const { received } = await f.collect(t, { topic, group: 'g' });
      const [outcome] = await t.send([message(topic, 1)]);
      expect(outcome).toEqual({ ok: true, receipt: {} });
      await waitFor('the event', () => received.length === 1);
      expect(received[0]).toMatchObject({ topic, key: 'k1', attempt: 1 });
      const nc = await connect({ servers: f.url });
      const found = await (await jetstreamManager(nc)).streams.find(topic).catch(() => undefined);
      await nc.close();
      expect(found).toBeUndefined();
    });

    it('shares the events of a group and gives each group all of them', async () => {
      const t = await f.transport({ ephemeralTopics: [] });
      const topic = f.topic();
      await t.ensureTopic!({ name: topic, strategy: 'skip', durability: 'ephemeral' });
      const a = await f.collect(t, { topic, group: 'g' });
      const b = await f.collect(t, { topic, group: 'g' });
      const other = await f.collect(t, { topic, group: 'other' });
      await t.send(Array.from({ length: 100 }, (_, n) => message(topic, n)));
      await waitFor('the group to share 100', () => a.received.length + b.received.length === 100);
      await waitFor('the other group to get 100', () => other.received.length === 100);
    });

    it('redelivers a nacked event from memory after its delay', async () => {
      const topic = f.topic();
      const t = await f.transport({ ephemeralTopics: [topic] });
      const attempts: number[] = [];
      await t.consume(
        { topic, group: 'g', prefetch: 10, startFrom: 'earliest', maxDeliveries: 5, ackTimeoutMs: 1_000 },
        (messages) => {
          for (const m of messages) {
            attempts.push(m.attempt);
            if (m.attempt === 1) m.nack({ delayMs: 50, nextAttempt: 3 });
            else m.ack();
          }
        },
      );
      await t.send([message(topic, 1)]);
      await waitFor('the redelivery', () => attempts.length === 2);
      expect(attempts).toEqual([1, 3]);
    });

    it('holds events while paused up to its buffer limit and drops the rest, counted', async () => {
      const topic = f.topic();
      const t = await f.transport({ ephemeralTopics: [topic], ephemeralBufferLimit: 5 });
      const { received, handle } = await f.collect(t, { topic, group: 'g' });
      handle.pause();
      await t.send(Array.from({ length: 8 }, (_, n) => message(topic, n)));
      const dropped = () => (t.health() as TransportHealth).details?.ephemeralDropped;
      await waitFor('three dropped beyond the buffer', () => dropped() === 3);
      expect((await handle.lag!()).total).toBe(5);
      await sleep(50);
      expect(received).toHaveLength(0);
      handle.resume();
      await waitFor('the five held', () => received.length === 5);
    });
  });
}
