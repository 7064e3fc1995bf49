import { DLQ_HEADERS, defineEvent, type EventBus } from '@switchyard/core';
import { expect } from 'vitest';
import { type CaseHarness, sleep } from '../harness.ts';

const OrderPlaced = defineEvent<{ n: number }>('order.placed');
const OrderShipped = defineEvent<{ n: number }>('order.shipped');
const OrderCancelled = defineEvent<{ n: number }>('order.cancelled');

/**
 * Written like a service: one bus per service with its defaults (its `source` is the group),
 * several typed handlers on one topic, one service reading several topics, publish then close at
 * once. No `ensureTopic`, no per-case group: topics come into being the way the transport makes them.
 */
export const serviceCases = {
  async 'each typed handler on a topic gets exactly the events of its type'(h: CaseHarness) {
    const topic = h.topic();
    const bus = await service(h);
    const placed: string[] = [];
    const shipped: string[] = [];
    await bus.subscribe(topic, OrderPlaced, (e) => {
      placed.push(e.id);
    });
    await bus.subscribe(topic, OrderShipped, (e) => {
      shipped.push(e.id);
    });
    const receipts = await Promise.all(
      Array.from({ length: 100 }, (_, n) => [
        bus.publish(topic, OrderPlaced({ n }, { key: `o-${n}` })),
        bus.publish(topic, OrderShipped({ n }, { key: `o-${n}` })),
      ]).flat(),
    );
    await h.waitFor('100 placed and 100 shipped', () => placed.length >= 100 && shipped.length >= 100);
    await sleep(200); // nothing more may come
    const ids = receipts.map((r) => r.id);
    expect(new Set(placed)).toEqual(new Set(ids.filter((_, i) => i % 2 === 0)));
    expect(new Set(shipped)).toEqual(new Set(ids.filter((_, i) => i % 2 === 1)));
  },

  async 'one service reads several topics in its default group'(h: CaseHarness) {
    const topics = [h.topic('.a'), h.topic('.b'), h.topic('.c')];
    const bus = await service(h);
    const seen = new Map<string, Set<string>>(topics.map((t) => [t, new Set()]));
    for (const topic of topics) {
      await bus.subscribe(topic, (e, ctx) => {
        seen.get(ctx.topic)!.add(e.id);
      });
    }
    const receipts = await Promise.all(
      topics.flatMap((topic) =>
        Array.from({ length: 20 }, (_, n) => bus.publish(topic, { type: 'item', data: { n }, key: `k${n}` })),
      ),
    );
    await h.waitFor('20 events on each of 3 topics', () => [...seen.values()].every((s) => s.size === 20));
    for (const r of receipts) expect(seen.get(r.topic)!.has(r.id)).toBe(true);
  },

  async 'a handler subscribed after others gets the events published after it'(h: CaseHarness) {
    const topic = h.topic();
    const bus = await service(h);
    const placed = new Set<string>();
    const cancelled = new Set<string>();
    await bus.subscribe(topic, OrderPlaced, (e) => {
      placed.add(e.id);
    });
    const early = await Promise.all(
      Array.from({ length: 20 }, (_, n) => bus.publish(topic, OrderPlaced({ n }, { key: `o-${n}` }))),
    );
    await h.waitFor('the first 20 placed', () => placed.size === 20);
    await bus.subscribe(topic, OrderCancelled, (e) => {
      cancelled.add(e.id);
    });
    const late = await Promise.all(
      Array.from({ length: 20 }, (_, n) => [
        bus.publish(topic, OrderPlaced({ n }, { key: `o-${n}` })),
        bus.publish(topic, OrderCancelled({ n }, { key: `o-${n}` })),
      ]).flat(),
    );
    await h.waitFor('20 more placed and 20 cancelled', () => placed.size === 40 && cancelled.size === 20);
    for (const r of [...early, ...late.filter((_, i) => i % 2 === 0)]) expect(placed.has(r.id)).toBe(true);
    for (const r of late.filter((_, i) => i % 2 === 1)) expect(cancelled.has(r.id)).toBe(true);
  },

  async 'an event type no handler declares is acknowledged and counted'(h: CaseHarness) {
    const topic = h.topic();
    const bus = await service(h);
    const placed = new Set<string>();
    await bus.subscribe(topic, OrderPlaced, (e) => {
      placed.add(e.id);
    });
    await bus.publish(topic, OrderShipped({ n: 1 }, { key: 'o-1' }));
    await bus.publish(topic, OrderPlaced({ n: 2 }, { key: 'o-1' }));
    await h.waitFor('the placed event after the unhandled one', () => placed.size === 1);
    const health = await bus.health();
    expect(health.subscriptions).toEqual([
      expect.objectContaining({ topic, types: ['order.placed'], unhandled: 1 }),
    ]);
  },

  async 'an event type no handler declares is dead-lettered when asked'(h: CaseHarness) {
    const topic = h.topic();
    const bus = await service(h);
    await bus.subscribe(topic, OrderPlaced, () => {}, { unhandled: 'dead-letter' });
    const dead = await h.rawConsume(`${topic}.dlq`);
    const receipt = await bus.publish(topic, OrderShipped({ n: 1 }, { key: 'o-1' }));
    await h.waitFor('the dead letter', () => dead.length >= 1);
    expect(dead[0]!.headers[DLQ_HEADERS.reason]).toBe('unhandled-type');
    expect(Object.values(dead[0]!.headers)).toContain(receipt.id);
  },

  async 'emit and publish on a fresh bus, then close at once, deliver everything'(h: CaseHarness) {
    const topic = h.topic();
    const consumer = await service(h);
    const seen = new Set<string>();
    await consumer.subscribe(topic, (e) => {
      seen.add(e.id);
    });
    const errors: Error[] = [];
    const producer = await h.bus({ source: `producer-${h.id}`, onError: (e) => errors.push(e) });
    producer.emit(topic, OrderPlaced({ n: -1 }, { id: `emitted-${h.id}` }));
    const pending = Array.from({ length: 5_000 }, (_, n) =>
      producer.publish(topic, OrderPlaced({ n }, { key: `o-${n % 100}` })),
    );
    await producer.close();
    const receipts = await Promise.all(pending);
    expect(errors).toEqual([]);
    await expect(producer.publish(topic, OrderPlaced({ n: 0 }))).rejects.toMatchObject({ code: 'CLOSED' });
    await h.waitFor(
      'all 5,001 events',
      () => seen.has(`emitted-${h.id}`) && receipts.every((r) => seen.has(r.id)),
      Math.max(h.waitTimeoutMs, 60_000),
    );
  },

  async 'events checked by an asynchronous schema, published then closed at once, are delivered'(
    h: CaseHarness,
  ) {
    // Close used to find nothing queued while the schema ran, and the events met a closed transport.
    const Checked = defineEvent<{ n: number }>('order.checked', {
      '~standard': {
        version: 1,
        vendor: 'testkit',
        validate: async (value: unknown) => {
          await sleep(20); // e.g. a lookup before the event is accepted
          return { value: value as { n: number } };
        },
      },
    });
    const topic = h.topic();
    const consumer = await service(h);
    const seen = new Set<number>();
    await consumer.subscribe(topic, Checked, (e) => {
      seen.add(e.data.n);
    });
    const errors: Error[] = [];
    const producer = await h.bus({ source: `producer-${h.id}`, onError: (e) => errors.push(e) });
    await producer.connect();
    producer.emit(topic, Checked({ n: 0 }));
    const published = producer.publish(topic, Checked({ n: 1 }));
    await producer.close();
    await expect(published).resolves.toMatchObject({ topic });
    expect(errors).toEqual([]);
    await h.waitFor('both events', () => seen.has(0) && seen.has(1));
  },

  async 'close stops intake: no handler starts after it, and running ones finish first'(h: CaseHarness) {
    const topic = h.topic();
    const bus = await service(h);
    let closeCalled = false;
    let startedAfterClose = 0;
    let running = 0;
    const finished = new Set<string>();
    await bus.subscribe(
      topic,
      async (e) => {
        if (closeCalled) startedAfterClose++;
        running++;
        await sleep(100);
        running--;
        finished.add(e.id);
      },
      { concurrency: 4 },
    );
    const receipts = await Promise.all(
      Array.from({ length: 200 }, (_, n) => bus.publish(topic, OrderPlaced({ n }, { key: `o-${n % 50}` }))),
    );
    await h.waitFor('four handlers running', () => running === 4);
    closeCalled = true;
    await bus.close({ drainTimeoutMs: 10_000 });
    expect(startedAfterClose).toBe(0);
    expect(running).toBe(0);
    expect(finished.size).toBeGreaterThanOrEqual(4);
    expect(finished.size).toBeLessThan(200);
    if (!h.capabilities.persistent) return;
    // The next instance of the service gets what was handed back (at least once).
    const next = await service(h);
    await next.subscribe(topic, (e) => {
      finished.add(e.id);
    });
    await h.waitFor('every event handled across both lives', () => receipts.every((r) => finished.has(r.id)));
  },

  async 'close past the drain deadline aborts running handlers and returns'(h: CaseHarness) {
    const topic = h.topic();
    const bus = await service(h);
    let closeCalled = false;
    let startedAfterClose = 0;
    let started = 0;
    let aborted = 0;
    await bus.subscribe(
      topic,
      (_e, ctx) =>
        new Promise<void>((_resolve, reject) => {
          if (closeCalled) startedAfterClose++;
          started++;
          ctx.signal.addEventListener('abort', () => {
            aborted++;
            reject(ctx.signal.reason);
          });
        }),
      { concurrency: 4 },
    );
    await Promise.all(
      Array.from({ length: 50 }, (_, n) => bus.publish(topic, OrderPlaced({ n }, { key: `o-${n}` }))),
    );
    await h.waitFor('four handlers running', () => started === 4);
    closeCalled = true;
    const t0 = performance.now();
    await bus.close({ drainTimeoutMs: 300 });
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(startedAfterClose).toBe(0);
    expect(aborted).toBe(4);
  },
};

/**
 * A service's bus: named for the case (so cases never share a group), every other option at its
 * default. Two calls make two instances of the same service (one group).
 */
function service(h: CaseHarness): Promise<EventBus> {
  return h.bus({ source: `svc-${h.id}` });
}
