import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import type { MsgImpl } from '@nats-io/nats-core/internal';
import { connect } from '@nats-io/transport-node';
import type { InboundMessage } from '@switchyard/core/transport';
import { afterEach, describe, expect, it } from 'vitest';
import { fromNatsHeaders, headersOf } from './inbound-headers.ts';
import { streamNameFor } from './names.ts';
import { message, NatsFixture, sleep, waitFor } from './test-support/fixture.ts';
import { TEST_SERVERS } from './test-support/servers.ts';

for (const server of TEST_SERVERS) {
  describe.skipIf(server.url === undefined)(`consuming a group on ${server.label}`, () => {
    const f = new NatsFixture(server.url ?? '');
    afterEach(() => f.cleanup());

    const publish = async (topic: string, count: number, from = 0) => {
      const t = await f.transport();
      const outcomes = await t.send(Array.from({ length: count }, (_, n) => message(topic, from + n)));
      expect(outcomes.every((o) => o.ok)).toBe(true);
    };

    it('delivers wire headers, key, sequence and a first attempt of 1', async () => {
      const topic = f.topic();
      await publish(topic, 1);
      const { received } = await f.collect(await f.transport(), { topic, group: 'g' });
      await waitFor('one message', () => received.length === 1);
      const m = received[0]!;
      expect(m).toMatchObject({ topic, key: 'k0', attempt: 1, sequence: 1 });
      expect(m.headers['ce-type']).toBe('item');
      expect(m.headers['Nats-Msg-Id']).toBeUndefined();
      expect(JSON.parse(Buffer.from(m.value).toString())).toEqual({ n: 0 });
    });

    it('reads a delivery’s headers from the block nats.js received, as nats.js would decode them', async () => {
      const topic = f.topic();
      await publish(topic, 1);
      const nc = await connect({ servers: f.url });
      try {
        const stream = streamNameFor(topic);
        await jetstreamManager(nc).then((jsm) =>
          jsm.consumers.add(stream, { durable_name: 'raw', ack_policy: AckPolicy.Explicit }),
        );
        const msg = await jetstream(nc)
          .consumers.get(stream, 'raw')
          .then((c) => c.next());
        if (msg === null) throw new Error('no message');
        const headers = headersOf(msg);
        // The fast path: nats.js never built its MsgHdrs. If this fails, a nats.js upgrade moved the block.
        expect((msg as unknown as { msg: MsgImpl }).msg._headers).toBeUndefined();
        expect(headers).toEqual(fromNatsHeaders(msg.headers));
        expect(headers['ce-type']).toBe('item');
      } finally {
        await nc.close();
      }
    });

    it('shares a group between instances and gives every group every event', async () => {
      const topic = f.topic();
      const a = await f.collect(await f.transport(), { topic, group: 'shared', prefetch: 10 });
      const b = await f.collect(await f.transport(), { topic, group: 'shared', prefetch: 10 });
      const other = await f.collect(await f.transport(), { topic, group: 'other' });
      await publish(topic, 200);
      await waitFor('the shared group to get all 200', () => a.received.length + b.received.length === 200);
      await waitFor('the other group to get all 200', () => other.received.length === 200);
      expect(a.received.length).toBeGreaterThan(0);
      expect(b.received.length).toBeGreaterThan(0);
      const seqs = new Set([...a.received, ...b.received].map((m) => m.sequence));
      expect(seqs.size).toBe(200);
    });

    it('hands over at most prefetch unsettled events and pulls more as they are acked', async () => {
      const topic = f.topic();
      await publish(topic, 50);
      const { received } = await f.collect(await f.transport(), { topic, group: 'g', prefetch: 10 }, false);
      await waitFor('the first ten', () => received.length === 10);
      await sleep(300);
      expect(received).toHaveLength(10);
      for (const m of received.slice(0, 5)) m.ack();
      await waitFor('five more once five were acked', () => received.length === 15);
      await sleep(300);
      expect(received).toHaveLength(15);
    });

    it('never holds more than prefetch unsettled while pulls overlap under a steady flow of acks', async () => {
      const topic = f.topic();
      await publish(topic, 400);
      const unsettled = new Set<InboundMessage>();
      let most = 0;
      let handled = 0;
      const t = await f.transport();
      const handle = await t.consume(
        { topic, group: 'g', prefetch: 20, startFrom: 'earliest', maxDeliveries: 5, ackTimeoutMs: 30_000 },
        (messages) => {
          for (const m of messages) unsettled.add(m);
          most = Math.max(most, unsettled.size);
          // Settle a few at a time, later: new pulls start while earlier ones still deliver.
          setTimeout(() => {
            for (const m of messages) {
              m.ack();
              unsettled.delete(m);
              handled++;
            }
          }, 2);
        },
      );
      try {
        await waitFor('all 400 handled', () => handled === 400);
        expect(most).toBeLessThanOrEqual(20);
      } finally {
        await handle.stop();
      }
    });

    it('stops pulling while paused and starts again on resume', async () => {
      const topic = f.topic();
      await publish(topic, 5);
      const { received, handle } = await f.collect(
        await f.transport(),
        { topic, group: 'g', prefetch: 5 },
        false,
      );
      await waitFor('the first five', () => received.length === 5);
      handle.pause();
      for (const m of received) m.ack();
      await publish(topic, 20, 5);
      await sleep(300);
      expect(received).toHaveLength(5);
      handle.resume();
      await waitFor('five more after resume', () => received.length === 10);
    });

    it('redelivers a nacked event after its delay with the attempt core asked for', async () => {
      const topic = f.topic();
      await publish(topic, 1);
      const t = await f.transport();
      const seen: Array<{ attempt: number; at: number }> = [];
      const handle = await t.consume(
        { topic, group: 'g', prefetch: 10, startFrom: 'earliest', maxDeliveries: 5, ackTimeoutMs: 30_000 },
        (messages) => {
          for (const m of messages) {
            seen.push({ attempt: m.attempt, at: performance.now() });
            if (seen.length === 1) m.nack({ delayMs: 400, nextAttempt: 4 });
            else m.ack();
          }
        },
      );
      await waitFor('the redelivery', () => seen.length === 2);
      await handle.stop();
      expect(seen[1]!.attempt).toBe(4);
      expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(350);
    });

    it('keeps the lease of a long-running event until ackTimeoutMs, then lets it go', async () => {
      const topic = f.topic();
      await publish(topic, 1);
      const t = await f.transport({ ackWaitMs: 1_000 });
      const { received } = await f.collect(t, { topic, group: 'g', ackTimeoutMs: 2_500 }, false);
      await waitFor('the first delivery', () => received.length === 1);
      await sleep(1_800); // beyond the 1 s ack wait: only the extended lease keeps it here
      expect(received).toHaveLength(1);
      await waitFor('the redelivery once ackTimeoutMs passed', () => received.length === 2, 5_000);
      expect(received[1]!.attempt).toBe(2);
    });

    it('reports the lag of a group from the consumer', async () => {
      const topic = f.topic();
      await publish(topic, 30);
      const { received, handle } = await f.collect(
        await f.transport(),
        { topic, group: 'g', prefetch: 10 },
        false,
      );
      await waitFor('ten handed over', () => received.length === 10);
      const lag = await handle.lag!();
      expect(lag).toMatchObject({ total: 30, pending: 20, ackPending: 10, redelivered: 0 });
    });

    it('starts a new group at the end with startFrom latest', async () => {
      const topic = f.topic();
      await publish(topic, 3);
      const { received } = await f.collect(await f.transport(), {
        topic,
        group: 'late',
        startFrom: 'latest',
      });
      await publish(topic, 2, 3);
      await waitFor('the two new events', () => received.length === 2);
      expect(received.map((m) => m.sequence)).toEqual([4, 5]);
    });

    it('gives a stopped instance’s unacked events to the next instance of the group', async () => {
      const topic = f.topic();
      await publish(topic, 20);
      const first = await f.collect(
        await f.transport({ ackWaitMs: 1_000 }),
        { topic, group: 'g', prefetch: 20, ackTimeoutMs: 1_000 },
        false,
      );
      await waitFor('twenty handed over', () => first.received.length === 20);
      for (const m of first.received.slice(0, 5)) m.ack();
      await first.handle.stop();
      const second = await f.collect(await f.transport({ ackWaitMs: 1_000 }), {
        topic,
        group: 'g',
        ackTimeoutMs: 1_000,
      });
      await waitFor('the fifteen unacked', () => second.received.length === 15, 10_000);
      expect(second.received.map((m) => m.sequence)).toEqual(Array.from({ length: 15 }, (_, n) => n + 6));
    });

    it('brings an existing group consumer in line with a changed lease and max deliveries', async () => {
      const topic = f.topic();
      const first = await f.collect(await f.transport({ ackWaitMs: 30_000 }), {
        topic,
        group: 'g',
        maxDeliveries: 3,
      });
      await first.handle.stop();
      const nc = await connect({ servers: f.url });
      const jsm = await jetstreamManager(nc);
      const stream = topic.replaceAll('.', '_');
      expect((await jsm.consumers.info(stream, 'g')).config).toMatchObject({
        ack_wait: nanos(30_000),
        max_deliver: 8,
      });
      await f.collect(await f.transport({ ackWaitMs: 2_000 }), { topic, group: 'g', maxDeliveries: 7 });
      const updated = (await jsm.consumers.info(stream, 'g')).config;
      await nc.close();
      expect(updated).toMatchObject({ ack_wait: nanos(2_000), max_deliver: 12 });
    });

    it('lets instances of a group start at the same moment', async () => {
      const topic = f.topic();
      const instances = await Promise.all(
        Array.from({ length: 4 }, async () => f.collect(await f.transport(), { topic, group: 'g' })),
      );
      await publish(topic, 40);
      await waitFor(
        'all forty across the instances',
        () => instances.reduce((sum, i) => sum + i.received.length, 0) === 40,
      );
    });

    it('creates the stream when a group subscribes to a topic nobody ensured', async () => {
      const topic = f.topic();
      const { received } = await f.collect(await f.transport(), { topic, group: 'g' });
      await publish(topic, 1);
      await waitFor('the event', () => received.length === 1);
    });

    it('acks and nacks each delivery once, whatever core calls twice', async () => {
      const topic = f.topic();
      await publish(topic, 1);
      const seen: InboundMessage[] = [];
      const t = await f.transport();
      const handle = await t.consume(
        { topic, group: 'g', prefetch: 10, startFrom: 'earliest', maxDeliveries: 5, ackTimeoutMs: 30_000 },
        (messages) => {
          for (const m of messages) {
            seen.push(m);
            m.ack();
            m.nack();
            m.ack();
          }
        },
      );
      await waitFor('the event', () => seen.length === 1);
      await sleep(300);
      await handle.stop();
      expect(seen).toHaveLength(1);
    });
  });
}
