import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineEvent } from './define-event.ts';
import type { EventEnvelope } from './envelope.ts';
import { isEventBusError } from './errors.ts';
import { createEventBus } from './event-bus.ts';
import { MemoryBroker } from './memory/memory-broker.ts';
import { memoryTransport } from './memory/memory-transport.ts';
import { fakeTransport } from './observability/test-transports.ts';

const OrderPlaced = defineEvent('order.placed', z.object({ orderId: z.string(), total: z.number() }));

function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error('condition not met in time'));
      else setTimeout(poll, 5);
    };
    poll();
  });
}

describe('EventBus on the memory transport', () => {
  const bus = () =>
    createEventBus({
      source: 'test',
      transport: memoryTransport({ broker: new MemoryBroker() }),
      onError: () => {},
    });

  it('delivers a typed event with its attributes and a receipt', async () => {
    const b = bus();
    const seen: EventEnvelope<{ orderId: string; total: number }>[] = [];
    await b.subscribe('orders', OrderPlaced, (event) => {
      seen.push(event);
    });
    const receipt = await b.publish(
      'orders',
      OrderPlaced({ orderId: 'o-1', total: 42 }, { key: 'o-1', tenant: 't1' }),
    );
    await waitFor(() => seen.length === 1);
    expect(receipt.topic).toBe('orders');
    expect(seen[0]).toMatchObject({
      id: receipt.id,
      type: 'order.placed',
      source: 'test',
      key: 'o-1',
      tenant: 't1',
      data: { orderId: 'o-1', total: 42 },
    });
    await b.close();
  });

  it('rejects schema-invalid data on publish', async () => {
    const b = bus();
    const error = await b
      .publish('orders', OrderPlaced({ orderId: 1 as unknown as string, total: 1 }))
      .catch((e) => e);
    expect(isEventBusError(error, 'SCHEMA_VALIDATION')).toBe(true);
    expect(error.message).toMatch(/orderId/);
    await b.close();
  });

  it('retries, then dead-letters with the error attached', async () => {
    const b = bus();
    let calls = 0;
    const dead: EventEnvelope[] = [];
    await b.subscribe(
      'payments',
      () => {
        calls++;
        throw new Error('card declined');
      },
      { retry: { attempts: 3, initialDelayMs: 1, jitter: 'none' } },
    );
    await b.subscribe(
      'payments.dlq',
      (e) => {
        dead.push(e);
      },
      { group: 'dlq-reader' },
    );
    await b.publish('payments', { type: 'payment.requested', data: { n: 1 }, key: 'p1' });
    await waitFor(() => dead.length === 1);
    expect(calls).toBe(3);
    expect(dead[0]!.headers['switchyard-dlq-error-message']).toBe('card declined');
    expect(dead[0]!.headers['switchyard-dlq-attempts']).toBe('3');
    await b.close();
  });

  it('never lets an emit failure become an unhandled rejection', async () => {
    const errors: Error[] = [];
    const b = createEventBus({
      source: 'test',
      transport: memoryTransport({ broker: new MemoryBroker() }),
      onError: (e) => errors.push(e),
    });
    b.emit('bad topic', { type: 'x', data: 1 });
    await waitFor(() => errors.length === 1);
    expect(isEventBusError(errors[0], 'INVALID_TOPIC')).toBe(true);
    await b.close();
  });

  it('reports each emit the broker refused to onError once, with its topic, and the publishes beside them still reject', async () => {
    const reports: Array<{ error: Error; topic: string | undefined; eventId: string | undefined }> = [];
    const b = createEventBus({
      source: 'test',
      transport: fakeTransport({ failSends: 'PUBLISH_FAILED' }),
      onError: (error, context) => reports.push({ error, topic: context.topic, eventId: context.eventId }),
    });
    b.emit('emits-refused', { type: 'x', data: 1 });
    b.emit('emits-refused', { type: 'x', data: 2, id: 'mine' });
    const published = b.publish('emits-refused', { type: 'x', data: 3 });
    await expect(published).rejects.toMatchObject({ code: 'PUBLISH_FAILED' });
    await waitFor(() => reports.length === 2);
    expect(reports.map((r) => [r.error.message, r.topic, r.eventId])).toEqual([
      ['the broker said no', 'emits-refused', undefined],
      ['the broker said no', 'emits-refused', 'mine'],
    ]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(reports).toHaveLength(2);
    await b.close();
  });

  it('runs emits through publish middleware, and reports what it rejects', async () => {
    const errors: Error[] = [];
    const seen: string[] = [];
    const b = createEventBus({
      source: 'test',
      transport: memoryTransport({ broker: new MemoryBroker() }),
      onError: (e) => errors.push(e),
      publishMiddleware: [
        (next) => (topic, event) => {
          seen.push(event.type);
          if (event.type === 'refused') return Promise.reject(new Error('not this one'));
          return next(topic, event);
        },
      ],
    });
    b.emit('emits-mw', { type: 'fine', data: 1 });
    b.emit('emits-mw', { type: 'refused', data: 2 });
    await waitFor(() => errors.length === 1);
    expect(seen).toEqual(['fine', 'refused']);
    expect(errors[0]!.message).toBe('not this one');
    await b.close();
  });
});
