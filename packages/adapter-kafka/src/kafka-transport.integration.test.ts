import { createEventBus, isEventBusError } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { kafka } from './kafka.ts';
import { partitionForKey } from './producer/murmur2.ts';
import { requireBroker } from './test-support/brokers.ts';
import { event, KAFKA_DRIVERS, KafkaFixture, payloadOf, sleep, waitFor } from './test-support/fixture.ts';

const KAFKA_BROKERS = requireBroker('KAFKA_BROKERS', 'kafka');

for (const driver of KAFKA_DRIVERS) {
  describe(`kafka transport: connecting (${driver})`, () => {
    it('fails with CONNECTION_FAILED within connectTimeoutMs when no broker listens', async () => {
      const transport = kafka({ driver, brokers: ['127.0.0.1:1'], connectTimeoutMs: 1500 });
      const started = Date.now();
      const error = await transport.connect().catch((e: unknown) => e);
      expect(isEventBusError(error, 'CONNECTION_FAILED')).toBe(true);
      expect((error as Error).message).toMatch(/127\.0\.0\.1:1/);
      expect(Date.now() - started).toBeLessThan(4000);
      expect(transport.health().state).toBe('disconnected');
      await transport.close();
    });

    it('logs a broker that is down once, with what to do, not every retry of the client', async () => {
      const lines: Array<[string, string]> = [];
      const logger = {
        error: (message: string) => void lines.push(['error', message]),
        warn: (message: string) => void lines.push(['warn', message]),
        info: () => {},
        debug: () => {},
      };
      const bus = createEventBus({
        source: 'svc-broker-down',
        transport: kafka({ driver, brokers: ['127.0.0.1:1'], logger }),
        onError: () => {},
      });
      const error = await bus
        .publish('orders', { type: 'order.placed', data: { n: 1 } })
        .catch((e: unknown) => e);
      expect(isEventBusError(error, 'CONNECTION_FAILED')).toBe(true);
      // kafkajs alone wrote 12 lines here (each retry's "Connection error" and "Failed to connect to
      // seed broker") before the transport's own one.
      expect(lines, lines.map(([level, text]) => `${level} ${text}`).join('\n')).toHaveLength(1);
      expect(lines[0]![1]).toMatch(/CONNECTION_FAILED.*Check that the brokers are reachable/);
      await bus.close();
    });
  });

  describe.skipIf(KAFKA_BROKERS === undefined)(`kafka transport against a real broker (${driver})`, () => {
    const fx = new KafkaFixture(KAFKA_BROKERS ?? '', driver);
    afterEach(() => fx.cleanup());

    it('puts keyed events on the Java default partitioner’s partition with consecutive offsets', async () => {
      const transport = await fx.transport();
      const topic = fx.topic('partitioning');
      await transport.ensureTopic({ name: topic, partitions: 6, strategy: 'create-or-update' });
      const messages = Array.from({ length: 60 }, (_, n) => event(topic, n, `key-${n % 10}`));
      const outcomes = await transport.send(messages);
      const perPartition = new Map<number, number[]>();
      outcomes.forEach((o, i) => {
        expect(o.ok).toBe(true);
        if (!o.ok) return;
        expect(o.receipt.partition).toBe(partitionForKey(messages[i]!.key!, 6));
        const list = perPartition.get(o.receipt.partition!) ?? [];
        list.push(Number(o.receipt.offset));
        perPartition.set(o.receipt.partition!, list);
      });
      for (const list of perPartition.values()) expect(list).toEqual(list.map((_, i) => list[0]! + i));
    });

    it('sends keyless events to one partition per batch (sticky)', async () => {
      const transport = await fx.transport({ producer: { lingerMs: 50 } });
      const topic = fx.topic('sticky');
      await transport.ensureTopic({ name: topic, partitions: 8, strategy: 'create-or-update' });
      const outcomes = await transport.send(
        Array.from({ length: 50 }, (_, n) => ({ ...event(topic, n), key: undefined })),
      );
      const partitions = new Set(outcomes.map((o) => (o.ok ? o.receipt.partition : -1)));
      expect(partitions.size).toBe(1);
    });

    it('publishes with acks leader (throughput preset) and acks none (no offset in the receipt)', async () => {
      const topic = fx.topic('acks');
      const leader = await fx.transport({ preset: 'throughput' });
      const [a] = await leader.send([event(topic, 1)]);
      expect(a!.ok && a!.receipt.offset).toBe('0');
      const none = await fx.transport({ producer: { acks: 'none', idempotent: false } });
      const [b] = await none.send([event(topic, 2)]);
      expect(b!.ok).toBe(true);
      expect(b!.ok && b!.receipt.offset).toBeUndefined();
      const { received } = await fx.collect(leader, { topic, group: 'acks' });
      await waitFor('both events', () => received.length === 2);
    });

    it('round-trips key, value and headers as strings', async () => {
      const transport = await fx.transport();
      const topic = fx.topic('roundtrip');
      const sent = event(topic, 7, 'ü-key');
      await transport.send([{ ...sent, headers: { ...sent.headers, 'x-ünïcødé': 'välüe ✓' } }]);
      const { received } = await fx.collect(transport, { topic, group: 'g' });
      await waitFor('the event', () => received.length === 1);
      const m = received[0]!;
      expect(m).toMatchObject({ topic, key: 'ü-key', attempt: 1, offset: '0' });
      expect(m.headers['x-ünïcødé']).toBe('välüe ✓');
      expect(m.headers.ce_id).toBe(sent.id);
      expect(payloadOf(m)).toEqual({ n: 7 });
    });

    it('commits only the contiguous prefix of acks, so a restart redelivers the unfinished event and what follows', async () => {
      const transport = await fx.transport();
      const topic = fx.topic('prefix');
      await transport.ensureTopic({ name: topic, partitions: 1, strategy: 'create-or-update' });
      await transport.send(Array.from({ length: 10 }, (_, n) => event(topic, n, 'one-key')));
      const first = await fx.collect(transport, { topic, group: 'prefix' }, (m) => {
        if (payloadOf(m).n !== 3) m.ack(); // 3 is still "running" when we stop
      });
      await waitFor('10 deliveries', () => first.received.length === 10);
      await sleep(300); // several commit intervals
      await first.stop();
      const lag = await (await fx.collect(transport, { topic, group: 'observer' }, () => {})).handle.lag!();
      expect(lag.total).toBe(10);
      const second = await fx.collect(transport, { topic, group: 'prefix' });
      await waitFor('the redelivered tail', () => second.received.length === 7);
      expect(second.received.map((m) => payloadOf(m).n)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    });

    it('reports lag per partition that falls to zero once everything is acked', async () => {
      const transport = await fx.transport();
      const topic = fx.topic('lag');
      await transport.ensureTopic({ name: topic, partitions: 3, strategy: 'create-or-update' });
      await transport.send(Array.from({ length: 30 }, (_, n) => event(topic, n, `k${n}`)));
      const { received, handle } = await fx.collect(transport, { topic, group: 'lagging' });
      await waitFor('30 deliveries', () => received.length === 30);
      let lagTotal = -1;
      for (let i = 0; i < 50 && lagTotal !== 0; i++) {
        const lag = await handle.lag!();
        lagTotal = lag.total;
        expect(lag.partitions).toHaveLength(3);
        if (lagTotal !== 0) await sleep(100);
      }
      expect(lagTotal).toBe(0);
    });

    it('moves a delayed nack to a retry topic, commits past it, and redelivers it when due with the next attempt', async () => {
      const transport = await fx.transport({ retryTopics: { tiersMs: [500, 5000] } });
      const topic = fx.topic('retry');
      await transport.ensureTopic({ name: topic, partitions: 2, strategy: 'create-or-update' });
      const firstAt = new Map<number, number>();
      const redelivered: Array<{
        n: number;
        attempt: number;
        after: number;
        partition?: number;
        offset?: string;
      }> = [];
      const { handle } = await fx.collect(transport, { topic, group: 'retrying' }, (m) => {
        const { n } = payloadOf(m);
        if (m.attempt === 1 && n === 0) {
          firstAt.set(n, Date.now());
          m.nack({ delayMs: 400, nextAttempt: 2 });
          return;
        }
        if (m.attempt > 1) {
          redelivered.push({
            n,
            attempt: m.attempt,
            after: Date.now() - firstAt.get(n)!,
            ...(m.partition === undefined ? {} : { partition: m.partition }),
            ...(m.offset === undefined ? {} : { offset: m.offset }),
          });
        }
        m.ack();
      });
      const [sent] = await transport.send([event(topic, 0, 'slow'), event(topic, 1, 'fast')]);
      await waitFor('the redelivery', () => redelivered.length === 1, 15_000);
      expect(redelivered[0]).toMatchObject({
        n: 0,
        attempt: 2,
        partition: sent!.ok ? sent!.receipt.partition : -1,
        offset: '0',
      });
      expect(redelivered[0]!.after).toBeGreaterThanOrEqual(390);
      let total = -1;
      for (let i = 0; i < 50 && total !== 0; i++) {
        total = (await handle.lag!()).total;
        if (total !== 0) await sleep(100);
      }
      expect(total).toBe(0);
    });

    it('pauses and resumes fetching on request', async () => {
      const transport = await fx.transport();
      const topic = fx.topic('pause');
      const { received, handle } = await fx.collect(transport, { topic, group: 'g' });
      await transport.send([event(topic, 0)]);
      await waitFor('the first event', () => received.length === 1);
      handle.pause();
      await sleep(200);
      await transport.send([event(topic, 1)]);
      await sleep(1200);
      expect(received).toHaveLength(1);
      handle.resume();
      await waitFor('the event sent while paused', () => received.length === 2);
    });

    it('stops handing over events at prefetch until some are acked', async () => {
      // Small record batches and small fetches, so the bound is reached long before the topic is
      // drained (a broker never splits a record batch, whatever the fetch size).
      const transport = await fx.transport({
        producer: { batchMaxMessages: 10 },
        consumer: { maxBytesPerPartition: 2048, maxBytes: 2048 },
      });
      const topic = fx.topic('prefetch');
      await transport.ensureTopic({ name: topic, partitions: 1, strategy: 'create-or-update' });
      await transport.send(Array.from({ length: 200 }, (_, n) => event(topic, n)));
      const held: Array<() => void> = [];
      const { received } = await fx.collect(transport, { topic, group: 'g', prefetch: 20 }, (m) =>
        held.push(() => m.ack()),
      );
      await waitFor('a first batch', () => received.length >= 20);
      await sleep(1200);
      // One fetch may overshoot the bound; it never runs away.
      expect(received.length).toBeLessThan(200);
      const before = received.length;
      for (const ack of held.splice(0)) ack();
      await waitFor('more after acking', () => received.length > before);
    });

    it('shares partitions between two members of a group and loses nothing when one leaves', async () => {
      const a = await fx.transport();
      const b = await fx.transport();
      const topic = fx.topic('group');
      await a.ensureTopic({ name: topic, partitions: 4, strategy: 'create-or-update' });
      const seenA = new Set<number>();
      const seenB = new Set<number>();
      const first = await fx.collect(a, { topic, group: 'workers' }, (m) => {
        seenA.add(payloadOf(m).n);
        m.ack();
      });
      await fx.collect(b, { topic, group: 'workers' }, (m) => {
        seenB.add(payloadOf(m).n);
        m.ack();
      });
      await a.send(Array.from({ length: 100 }, (_, n) => event(topic, n, `k${n}`)));
      await waitFor('100 events across both', () => new Set([...seenA, ...seenB]).size === 100);
      expect(seenA.size).toBeGreaterThan(0);
      expect(seenB.size).toBeGreaterThan(0);
      await first.stop();
      await a.send(Array.from({ length: 100 }, (_, n) => event(topic, 100 + n, `k${n}`)));
      await waitFor(
        'the second 100 at the remaining member',
        () => [...Array(100).keys()].every((n) => seenB.has(100 + n)),
        30_000,
      );
    });

    it('reports buffer depth and connection state in health', async () => {
      const transport = await fx.transport({ producer: { lingerMs: 200 } });
      const topic = fx.topic('health');
      await transport.send([event(topic, 0)]);
      const pending = transport.send(Array.from({ length: 10 }, (_, n) => event(topic, n)));
      await sleep(20);
      const health = transport.health();
      expect(health.state).toBe('connected');
      expect(health.bufferedMessages).toBe(10);
      expect(health.bufferedBytes).toBeGreaterThan(0);
      // Which driver runs, and for kafkajs whether its patches are in place.
      expect(health.details).toMatchObject(
        driver === 'kafkajs'
          ? {
              driver,
              clientVersion: '2.2.4',
              patches: {
                encoder: 'full',
                requestQueue: true,
                emptyFetchBatches: true,
                rejoinWait: true,
                producePerPartition: false, // the default preset's producer is idempotent
              },
            }
          : { driver, clientVersion: expect.stringMatching(/^2\./), groupProtocol: 'classic' },
      );
      await pending;
      expect(transport.health().bufferedMessages).toBe(0);
    });

    it('starts a new group at the end when asked for latest', async () => {
      const transport = await fx.transport();
      const topic = fx.topic('latest');
      await transport.send([event(topic, 0)]);
      const { received } = await fx.collect(transport, { topic, group: 'late', startFrom: 'latest' });
      await transport.send([event(topic, 1)]);
      await waitFor('the new event', () => received.length === 1);
      await sleep(300);
      expect(received.map((m) => payloadOf(m).n)).toEqual([1]);
    });
  });
}
