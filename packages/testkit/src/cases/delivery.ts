import { type EventBusError, type EventEnvelope, isEventBusError } from '@switchyard/core';
import { expect } from 'vitest';
import type { CaseHarness } from '../harness.ts';

/** Round trip and batch publish: what a subscriber receives is what was published. */
export const deliveryCases = {
  async 'round-trips an event with key, headers and CloudEvents attributes intact'(h: CaseHarness) {
    const topic = h.topic();
    const bus = await h.bus({ source: 'orders-svc' });
    await h.ensureTopics(bus, topic);
    const seen: EventEnvelope[] = [];
    await bus.subscribe(
      topic,
      (event) => {
        seen.push(event);
      },
      { group: h.group('g') },
    );
    const time = new Date('2026-01-02T03:04:05.678Z');
    const receipt = await bus.publish(topic, {
      type: 'order.placed',
      data: { orderId: 'o-1', total: 42.5, lines: [{ sku: 'a', qty: 2 }], note: 'ünïcødé ✓' },
      key: 'o-1',
      subject: 'orders/o-1',
      tenant: 'tenant-a',
      correlationId: 'corr-1',
      time,
      headers: { 'x-custom': 'value-1' },
    });
    expect(receipt.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(receipt.topic).toBe(topic);
    await h.waitFor('the event', () => seen.length >= 1);
    const event = seen[0]!;
    expect(event).toMatchObject({
      id: receipt.id,
      type: 'order.placed',
      source: 'orders-svc',
      specversion: '1.0',
      time: time.toISOString(),
      subject: 'orders/o-1',
      key: 'o-1',
      tenant: 'tenant-a',
      correlationid: 'corr-1',
      datacontenttype: 'application/json',
      data: { orderId: 'o-1', total: 42.5, lines: [{ sku: 'a', qty: 2 }], note: 'ünïcødé ✓' },
    });
    expect(event.headers['x-custom']).toBe('value-1');
  },

  async 'publishes a batch and returns one receipt per event'(h: CaseHarness) {
    const topic = h.topic();
    const bus = await h.bus();
    await h.ensureTopics(bus, topic);
    const ids = new Set<string>();
    await bus.subscribe(
      topic,
      (event) => {
        ids.add(event.id);
      },
      { group: h.group('g') },
    );
    const receipts = await bus.publishBatch(
      topic,
      Array.from({ length: 100 }, (_, n) => ({ type: 'item', data: { n }, key: `k${n % 7}` })),
    );
    expect(receipts).toHaveLength(100);
    expect(new Set(receipts.map((r) => r.id)).size).toBe(100);
    await h.waitFor('100 events', () => ids.size === 100);
    for (const r of receipts) expect(ids.has(r.id)).toBe(true);
  },

  async 'publishes the rest of a batch when one event is refused, and names it by index'(h: CaseHarness) {
    const topic = h.topic();
    const bus = await h.bus({ maxEventBytes: 2_000 });
    await h.ensureTopics(bus, topic);
    const seen = new Set<unknown>(); // at least once: a redelivery is not a second event
    await bus.subscribe(
      topic,
      (event) => {
        seen.add(event.data);
      },
      { group: h.group('g') },
    );
    // The bus refuses the large one before the transport sees it; the others travel in one send.
    const error = await bus
      .publishBatch(topic, [
        { type: 'item', data: 0, key: 'a' },
        { type: 'item', data: 'x'.repeat(5_000), key: 'b' },
        { type: 'item', data: 2, key: 'c' },
      ])
      .catch((e: unknown) => e);
    expect(isEventBusError(error, 'EVENT_TOO_LARGE')).toBe(true);
    const details = (error as EventBusError).details as {
      failures: Array<{ index: number }>;
      receipts: Array<{ id: string } | undefined>;
    };
    expect(details.failures.map((f) => f.index)).toEqual([1]);
    expect(details.receipts.map((r) => r !== undefined)).toEqual([true, false, true]);
    await h.waitFor('the two accepted events', () => seen.size >= 2);
    expect([...seen].sort()).toEqual([0, 2]);
  },

  async 'reports health with the subscription listed'(h: CaseHarness) {
    const topic = h.topic();
    const bus = await h.bus();
    await h.ensureTopics(bus, topic);
    await bus.subscribe(topic, () => {}, { group: h.group('health') });
    const health = await bus.health();
    expect(health.ok).toBe(true);
    expect(health.transport.state).toBe('connected');
    expect(health.subscriptions).toEqual([expect.objectContaining({ topic, group: h.group('health') })]);
  },
};
