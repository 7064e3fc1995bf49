import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createEventBus, isEventBusError } from '@switchyard/core';
import { publishBurst } from '@switchyard/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { nats } from './nats.ts';
import { message, NatsFixture, quiet } from './test-support/fixture.ts';
import { TEST_SERVERS } from './test-support/servers.ts';

for (const server of TEST_SERVERS) {
  describe.skipIf(server.url === undefined)(`publishing to JetStream on ${server.label}`, () => {
    const f = new NatsFixture(server.url ?? '');
    afterEach(() => f.cleanup());

    it('settles every message of a batch with its own receipt, in order', async () => {
      const t = await f.transport();
      const topic = f.topic();
      const outcomes = await t.send(Array.from({ length: 5 }, (_, n) => message(topic, n)));
      expect(outcomes.map((o) => o.ok && o.receipt.sequence)).toEqual([1, 2, 3, 4, 5]);
      expect(
        outcomes.every(
          (o) => o.ok && o.receipt.stream === topic.replaceAll('.', '_') && o.receipt.duplicate === false,
        ),
      ).toBe(true);
    });

    it('stores a republished event id once and flags the copy as a duplicate', async () => {
      const t = await f.transport();
      const topic = f.topic();
      const m = message(topic, 1);
      const [first] = await t.send([m]);
      const [again] = await t.send([m]);
      expect(first).toMatchObject({ ok: true, receipt: { sequence: 1, duplicate: false } });
      expect(again).toMatchObject({ ok: true, receipt: { sequence: 1, duplicate: true } });
    });

    it('puts the first events of a large burst on the wire while the caller still publishes the rest', async () => {
      // The plan scenario's first-event latency: 800 publishes in one loop used to leave only once
      // the loop was done (a first socket write 10–20 ms after the first event was made).
      const topic = f.topic('burst');
      const bus = createEventBus({
        source: 'burst-test',
        transport: nats({ servers: server.url ?? '', logger: quiet }),
        onError: () => {},
      });
      try {
        await bus.ensureTopic({ name: topic });
        await bus.publish(topic, { type: 'order.placed', data: { n: -1 } });
        const { writesDuringLoop, receipts } = await publishBurst(bus, topic);
        expect(writesDuringLoop).toBeGreaterThan(0);
        expect(receipts).toHaveLength(2_000);
      } finally {
        await bus.close();
      }
    });

    it('pipelines thousands of concurrent sends through a small ack window', async () => {
      const t = await f.transport({ maxPendingAcks: 16 });
      const topic = f.topic();
      const sends = Array.from({ length: 2_000 }, (_, n) => t.send([message(topic, n)]));
      let peak = 0;
      const sampler = setInterval(() => {
        peak = Math.max(peak, (t.health() as { bufferedMessages: number }).bufferedMessages);
      }, 1);
      const outcomes = (await Promise.all(sends)).flat();
      clearInterval(sampler);
      expect(outcomes.filter((o) => o.ok)).toHaveLength(2_000);
      const sequences = new Set(outcomes.map((o) => (o.ok ? o.receipt.sequence : 0)));
      expect(sequences.size).toBe(2_000);
      expect(peak).toBeGreaterThan(0);
    });

    it('fails an oversized event alone and sends its neighbours', async () => {
      const t = await f.transport();
      const topic = f.topic();
      const max = t.capabilities.maxMessageBytes;
      const outcomes = await t.send([
        message(topic, 1),
        message(topic, 2, { value: Buffer.alloc(max + 1) }),
        message(topic, 3),
      ]);
      expect(outcomes[0]?.ok).toBe(true);
      expect(outcomes[2]?.ok).toBe(true);
      const failed = outcomes[1]!;
      expect(!failed.ok && failed.error.code).toBe('EVENT_TOO_LARGE');
      expect(!failed.ok && failed.error.retriable).toBe(false);
    });

    it('rejects a header value with a line break as an invalid event', async () => {
      const t = await f.transport();
      const topic = f.topic();
      const [outcome] = await t.send([message(topic, 1, { headers: { 'x-bad': 'a\r\nb' } })]);
      expect(!outcome!.ok && outcome!.error.code).toBe('INVALID_EVENT');
    });

    it('creates the stream of a topic nobody ensured, with the configured defaults', async () => {
      const t = await f.transport({ topicDefaults: { storage: 'memory', maxMessages: 1_000 } });
      const topic = f.topic();
      const [outcome] = await t.send([message(topic, 1)]);
      expect(outcome?.ok).toBe(true);
      const nc = await connect({ servers: f.url });
      const info = await (await jetstreamManager(nc)).streams.info(topic.replaceAll('.', '_'));
      await nc.close();
      expect(info.config).toMatchObject({ subjects: [topic], storage: 'memory', max_msgs: 1_000 });
    });

    it('fails a publish to a topic nobody ensured when auto-creation is off', async () => {
      const t = await f.transport({ autoCreateTopics: false });
      const [outcome] = await t.send([message(f.topic(), 1)]);
      expect(!outcome!.ok && outcome!.error.code).toBe('TOPIC_NOT_FOUND');
      // The publish that found no stream before the lookup is not reported as a retry.
      expect(!outcome!.ok && outcome!.error.message).not.toContain('gave up');
    });

    it('stores a whole burst sent at once to a topic nobody ensured, in one stream', async () => {
      const t = await f.transport();
      const topic = f.topic();
      const outcomes = await t.send(Array.from({ length: 200 }, (_, n) => message(topic, n)));
      expect(outcomes.filter((o) => !o.ok)).toEqual([]);
      const nc = await connect({ servers: f.url });
      const info = await (await jetstreamManager(nc)).streams.info(topic.replaceAll('.', '_'));
      await nc.close();
      expect(info.state.messages).toBe(200);
    });

    it('claims the server max_payload once connected', async () => {
      const t = await f.transport({ maxMessageBytes: 1 });
      const nc = await connect({ servers: f.url });
      const maxPayload = nc.info?.max_payload;
      await nc.close();
      expect(t.capabilities.maxMessageBytes).toBe(maxPayload);
      expect(maxPayload).toBeGreaterThan(1);
      expect(t.capabilities.maxMessageBytesSetBy).toMatch(/max_payload/);
      // Read on every publish: the same object while the server's limit stays what it was.
      expect(t.capabilities).toBe(t.capabilities);
    });

    it('refuses wildcard and reserved topics before anything reaches the server', async () => {
      const t = await f.transport();
      for (const topic of ['orders.*', 'orders.>', '$JS.API.INFO', 'a b']) {
        expect(() => t.validateTopic!(topic)).toThrow(expect.objectContaining({ code: 'INVALID_TOPIC' }));
      }
    });
  });
}

describe('connecting', () => {
  it('fails with a retriable CONNECTION_FAILED when no server listens, within the timeout', async () => {
    const f = new NatsFixture('nats://127.0.0.1:1');
    const started = Date.now();
    const error = await f.transport({ connectTimeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(isEventBusError(error, 'CONNECTION_FAILED')).toBe(true);
    expect((error as { retriable: boolean }).retriable).toBe(true);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
