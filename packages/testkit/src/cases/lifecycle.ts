import { expect } from 'vitest';
import { type CaseHarness, sleep } from '../harness.ts';

/** Close drains, restarts lose nothing, a burst of publishes survives an immediate close. */
export const lifecycleCases = {
  async 'drains in-flight handlers on close'(h: CaseHarness) {
    const topic = h.topic();
    const bus = await h.bus();
    await h.ensureTopics(bus, topic);
    let started = 0;
    let finished = 0;
    await bus.subscribe(
      topic,
      async () => {
        started++;
        await sleep(300);
        finished++;
      },
      { group: h.group('g'), concurrency: 8 },
    );
    await Promise.all(
      Array.from({ length: 5 }, (_, n) => bus.publish(topic, { type: 'item', data: { n }, key: `k${n}` })),
    );
    await h.waitFor('five handlers running', () => started === 5);
    await bus.close({ drainTimeoutMs: 10_000 });
    expect(finished).toBe(5);
  },

  async 'aborts handlers that outlive the drain deadline'(h: CaseHarness) {
    const topic = h.topic();
    const bus = await h.bus();
    await h.ensureTopics(bus, topic);
    let aborted = false;
    let started = false;
    await bus.subscribe(
      topic,
      (_e, ctx) =>
        new Promise<void>((_resolve, reject) => {
          started = true;
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
        }),
      { group: h.group('g') },
    );
    await bus.publish(topic, { type: 'item', data: {}, key: 'k' });
    await h.waitFor('the handler to start', () => started);
    const t0 = performance.now();
    await bus.close({ drainTimeoutMs: 200 });
    expect(aborted).toBe(true);
    expect(performance.now() - t0).toBeLessThan(5_000);
  },

  async 'loses nothing across close and re-subscribe'(h: CaseHarness) {
    const topic = h.topic();
    const producer = await h.bus();
    await h.ensureTopics(producer, topic);
    const handled = new Set<string>();
    const first = await h.bus();
    await first.subscribe(
      topic,
      async (e) => {
        await sleep(2);
        handled.add(e.id);
      },
      { group: h.group('restartable'), concurrency: 4 },
    );
    const receipts = await Promise.all(
      Array.from({ length: 300 }, (_, n) =>
        producer.publish(topic, { type: 'item', data: { n }, key: `k${n % 30}` }),
      ),
    );
    await h.waitFor('some progress before the restart', () => handled.size >= 20);
    await first.close({ drainTimeoutMs: 5_000 });
    const second = await h.bus();
    await second.subscribe(
      topic,
      (e) => {
        handled.add(e.id);
      },
      { group: h.group('restartable') },
    );
    await h.waitFor('all 300 events across both lives', () => receipts.every((r) => handled.has(r.id)));
  },

  async 'loses nothing from 10,000 concurrent publishes followed by close'(h: CaseHarness) {
    const topic = h.topic();
    const consumer = await h.bus();
    await h.ensureTopics(consumer, topic);
    const seen = new Set<string>();
    await consumer.subscribe(
      topic,
      (e) => {
        seen.add(e.id);
      },
      { group: h.group('burst'), concurrency: 64 },
    );
    const producer = await h.bus();
    await producer.publish(topic, { type: 'warmup', data: {} }); // connect before the burst
    const pending = Array.from({ length: 10_000 }, (_, n) =>
      producer.publish(topic, { type: 'item', data: { n }, key: `k${n % 100}` }),
    );
    await producer.close();
    const receipts = await Promise.all(pending);
    expect(receipts).toHaveLength(10_000);
    await h.waitFor(
      'all 10,000 events',
      () => receipts.every((r) => seen.has(r.id)),
      Math.max(h.waitTimeoutMs, 60_000),
    );
  },
};
