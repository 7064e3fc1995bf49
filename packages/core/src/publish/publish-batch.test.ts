import { describe, expect, it } from 'vitest';
import { defineEvent } from '../define-event.ts';
import type { EventDraft } from '../envelope.ts';
import { EventBusError, isEventBusError } from '../errors.ts';
import { createEventBus } from '../event-bus.ts';
import type { PublishMiddleware } from '../middleware.ts';
import type { OutboundMessage } from '../transport.ts';
import { gatedTransport, wrappedMemoryTransport } from './test-support/wrapped-transport.ts';

const drafts = (n: number): EventDraft[] =>
  Array.from({ length: n }, (_, i) => ({ type: 'item', key: `k${i % 3}`, data: { i } }));

describe('publishBatch', () => {
  it('resolves with one receipt per event, in the order given, and every event reaches the handler', async () => {
    const bus = createEventBus({ source: 'shop' });
    const idOf = new Map<number, string>();
    await bus.subscribe('numbered', (event) => {
      idOf.set((event.data as { i: number }).i, event.id);
    });
    const receipts = await bus.publishBatch('numbered', drafts(50));
    expect(receipts).toHaveLength(50);
    expect(receipts.every((r) => r.topic === 'numbered')).toBe(true);
    await expect.poll(() => idOf.size).toBe(50);
    // The receipt at index i is the event whose data says i.
    expect(receipts.map((r) => r.id)).toEqual(receipts.map((_, i) => idOf.get(i)));
    await bus.close();
  });

  it('fails every event of a send the transport refuses as a whole, or throws from', async () => {
    for (const send of [
      async () => {
        throw new Error('socket closed');
      },
      () => {
        throw new Error('thrown at once');
      },
    ]) {
      const bus = createEventBus({ source: 'shop', transport: wrappedMemoryTransport(() => ({ send })) });
      const error = await bus.publishBatch('items', drafts(3)).catch((e) => e);
      expect(isEventBusError(error, 'PUBLISH_FAILED')).toBe(true);
      expect(error.retriable).toBe(true);
      expect(error.details.failures.map((f: { index: number }) => f.index)).toEqual([0, 1, 2]);
      await bus.close();
    }
  });

  it('fails every event with the connection error when the transport cannot connect', async () => {
    const transport = wrappedMemoryTransport(() => ({
      connect: async () => {
        throw new EventBusError('CONNECTION_FAILED', 'broker unreachable', { retriable: true });
      },
    }));
    const bus = createEventBus({ source: 'shop', transport });
    const error = await bus.publishBatch('items', drafts(300)).catch((e) => e);
    expect(isEventBusError(error, 'CONNECTION_FAILED')).toBe(true);
    expect(error.details.failures).toHaveLength(300);
    await bus.close();
  });

  it('keeps the outcome a transport reports early, whatever its final answer says', async () => {
    const transport = wrappedMemoryTransport((inner) => ({
      send: async (messages, onOutcome) => {
        const real = await inner.send(messages);
        onOutcome?.(0, real[0]!); // the first is acknowledged at once ...
        return real.map(() => ({ ok: false as const, error: new EventBusError('INTERNAL', 'late') }));
      },
    }));
    const bus = createEventBus({ source: 'shop', transport });
    const error = await bus.publishBatch('items', drafts(2)).catch((e) => e);
    expect(error.details.failures.map((f: { index: number }) => f.index)).toEqual([1]);
    expect(error.details.receipts[0]).toBeDefined();
    await bus.close();
  });

  it('publishes the good events and lists each bad one by index with its own error', async () => {
    const bus = createEventBus({ source: 'shop', maxEventBytes: 1_000 });
    const seen: unknown[] = [];
    await bus.subscribe('mixed', (event) => {
      seen.push(event.data);
    });
    const error = await bus
      .publishBatch('mixed', [
        { type: 'ok', data: 0 },
        { type: 'bad', data: 1, key: 7 as unknown as string },
        { type: 'big', data: 'y'.repeat(2_000) },
        { type: 'ok', data: 3 },
      ])
      .catch((e) => e);
    expect(isEventBusError(error, 'INVALID_EVENT')).toBe(true);
    expect(error.message).toMatch(/^2 of 4 events were not published to mixed; first error: /);
    expect(error.retriable).toBe(false);
    const { failures, receipts } = error.details;
    expect(failures.map((f: { index: number; error: EventBusError }) => [f.index, f.error.code])).toEqual([
      [1, 'INVALID_EVENT'],
      [2, 'EVENT_TOO_LARGE'],
    ]);
    expect(receipts.map((r: unknown) => r !== undefined)).toEqual([true, false, false, true]);
    await expect.poll(() => seen.length).toBe(2);
    expect(seen.sort()).toEqual([0, 3]);
    await bus.close();
  });

  it('waits for buffer room when the batch is larger than the publish buffer, and loses nothing', async () => {
    const { transport, release } = gatedTransport();
    const bus = createEventBus({ source: 'shop', transport, publishBuffer: { maxMessages: 4 } });
    let done = false;
    const batch = bus.publishBatch('roomy', drafts(20)).then((r) => {
      done = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(done).toBe(false);
    release();
    const receipts = await batch;
    expect(new Set(receipts.map((r) => r.id)).size).toBe(20);
    await bus.close();
  });

  it('fails with BUFFER_FULL for the events the buffer has no room for when told to fail', async () => {
    const { transport, release } = gatedTransport();
    const bus = createEventBus({
      source: 'shop',
      transport,
      publishBuffer: { maxMessages: 2, whenFull: 'fail' },
    });
    const batch = bus.publishBatch('full', drafts(5)).catch((e) => e);
    release();
    const error = await batch;
    expect(isEventBusError(error, 'BUFFER_FULL')).toBe(true);
    expect(error.details.failures.map((f: { index: number }) => f.index)).toEqual([2, 3, 4]);
    expect(error.details.receipts.slice(0, 2).every((r: unknown) => r !== undefined)).toBe(true);
    await bus.close();
  });

  it('settles each event with its outcome when the transport fails one of them', async () => {
    const transport = wrappedMemoryTransport((inner) => ({
      send: async (messages: readonly OutboundMessage[]) => {
        const outcomes = await inner.send(messages);
        return outcomes.map((o, i) =>
          (messages[i]!.value as Buffer).toString() === '"refused"'
            ? { ok: false as const, error: new EventBusError('PUBLISH_FAILED', 'no', { retriable: true }) }
            : o,
        );
      },
    }));
    const bus = createEventBus({ source: 'shop', transport });
    const error = await bus
      .publishBatch('t', [
        { type: 'x', data: 'fine' },
        { type: 'x', data: 'refused' },
      ])
      .catch((e) => e);
    expect(isEventBusError(error, 'PUBLISH_FAILED')).toBe(true);
    expect(error.retriable).toBe(true);
    expect(error.details.failures.map((f: { index: number }) => f.index)).toEqual([1]);
    await bus.close();
  });

  it('runs each event through publish middleware, and lists what the middleware refused', async () => {
    const refuse: PublishMiddleware = (next) => (topic, envelope) =>
      envelope.type === 'refused'
        ? Promise.reject(new EventBusError('INVALID_EVENT', 'refused by middleware'))
        : next(topic, { ...envelope, headers: { ...envelope.headers, 'x-seen': 'yes' } });
    const bus = createEventBus({ source: 'shop', publishMiddleware: [refuse] });
    const headers: string[] = [];
    await bus.subscribe('mw', (event) => {
      headers.push(event.headers['x-seen']!);
    });
    const error = await bus
      .publishBatch('mw', [
        { type: 'fine', data: 1 },
        { type: 'refused', data: 2 },
        { type: 'fine', data: 3 },
      ])
      .catch((e) => e);
    expect(error.details.failures.map((f: { index: number }) => f.index)).toEqual([1]);
    await expect.poll(() => headers).toEqual(['yes', 'yes']);
    await bus.close();
  });

  it('checks events against an asynchronous schema and refuses the invalid ones', async () => {
    const Order = defineEvent('order', {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: async (value: unknown) =>
          typeof value === 'number' ? { value } : { issues: [{ message: 'not a number' }] },
      },
    });
    const bus = createEventBus({ source: 'shop' });
    const error = await bus
      .publishBatch('orders', [Order(1), { ...Order(2), data: 'two' }, Order(3)])
      .catch((e) => e);
    expect(error.details.failures.map((f: { index: number }) => f.index)).toEqual([1]);
    expect(error.details.receipts.filter((r: unknown) => r !== undefined)).toHaveLength(2);
    await bus.close();
  });

  it('is an empty list for no events, and refuses what is not an array', async () => {
    const bus = createEventBus({ source: 'shop' });
    await expect(bus.publishBatch('items', [])).resolves.toEqual([]);
    await expect(bus.publishBatch('items', 'x' as unknown as EventDraft[])).rejects.toThrow(/needs an array/);
    await bus.close();
  });

  it('refuses every event once the bus is closed', async () => {
    const bus = createEventBus({ source: 'shop' });
    await bus.close();
    const error = await bus.publishBatch('items', drafts(2)).catch((e) => e);
    expect(isEventBusError(error, 'CLOSED')).toBe(true);
    expect(error.details.failures).toHaveLength(2);
  });
});
