import { describe, expect, it } from 'vitest';
import { defineEvent } from './define-event.ts';
import { EventBusError, isEventBusError } from './errors.ts';
import { createEventBus } from './event-bus.ts';
import { MemoryBroker } from './memory/memory-broker.ts';
import { memoryTransport } from './memory/memory-transport.ts';
import type { ErrorReport } from './options.ts';
import { wrappedMemoryTransport } from './publish/test-support/wrapped-transport.ts';

describe('close when the broker is gone', () => {
  it('resolves, so a shutdown hook finishes, and reports what the transport could not do to onError', async () => {
    const refusal = new EventBusError('CONNECTION_FAILED', 'connection disconnected', { retriable: true });
    const transport = wrappedMemoryTransport((inner) => ({
      close: async () => {
        await inner.close();
        throw refusal;
      },
    }));
    const reports: { error: Error; report: ErrorReport }[] = [];
    const bus = createEventBus({
      source: 'orders-svc',
      transport,
      onError: (error, report) => reports.push({ error, report }),
    });
    await bus.subscribe('orders', () => {});
    await bus.publish('orders', { type: 'x', data: 1 });
    await expect(bus.close()).resolves.toBeUndefined();
    expect(reports).toEqual([{ error: refusal, report: { operation: 'close' } }]);
    expect((await bus.health()).lastError).toBe('connection disconnected');
  });
});

/** An event whose schema takes `ms` to validate (an asynchronous check, e.g. a database lookup). */
const slowOrder = (ms: number) =>
  defineEvent('order.placed', {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: async (value: unknown) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return { value };
      },
    },
  });

describe('close right after publishing', () => {
  it('sends events still in an asynchronous schema check before it resolves', async () => {
    // emit then close, with a schema that validates asynchronously: close resolved while the
    // check ran, and the event then met a closed transport and was lost.
    const broker = new MemoryBroker();
    const Order = slowOrder(50);
    const seen: unknown[] = [];
    const reader = createEventBus({ source: 'reader', transport: memoryTransport({ broker }) });
    await reader.subscribe('orders', (event) => {
      seen.push(event.data);
    });
    const failures: Error[] = [];
    // Like the broker transports: a send after close is refused.
    let closed = false;
    const transport = wrappedMemoryTransport(
      (inner) => ({
        send: (messages) =>
          closed
            ? Promise.reject(new EventBusError('CLOSED', 'The transport is closed.'))
            : inner.send(messages),
        close: async () => {
          closed = true;
          await inner.close();
        },
      }),
      { broker },
    );
    const writer = createEventBus({ source: 'writer', transport, onError: (error) => failures.push(error) });
    await writer.connect();
    writer.emit('orders', Order({ id: 1 }));
    const published = writer.publish('orders', Order({ id: 2 }));
    await writer.close();
    await expect(published).resolves.toMatchObject({ topic: 'orders' });
    await expect.poll(() => seen.length).toBe(2);
    expect(failures).toEqual([]);
    await reader.close();
  });

  it('also when the bus never connected: it connects, sends, then disconnects', async () => {
    const broker = new MemoryBroker();
    const seen: unknown[] = [];
    const reader = createEventBus({ source: 'reader', transport: memoryTransport({ broker }) });
    await reader.subscribe('orders', (event) => {
      seen.push(event.data);
    });
    const calls: string[] = [];
    const transport = wrappedMemoryTransport(
      (inner) => ({
        connect: async () => {
          calls.push('connect');
          await inner.connect();
        },
        send: (messages) => {
          calls.push('send');
          return inner.send(messages);
        },
        close: async () => {
          calls.push('close');
          await inner.close();
        },
      }),
      { broker },
    );
    const writer = createEventBus({ source: 'writer', transport });
    writer.emit('orders', slowOrder(30)({ id: 1 }));
    await writer.close();
    expect(calls).toEqual(['connect', 'send', 'close']);
    await expect.poll(() => seen).toEqual([{ id: 1 }]);
    await reader.close();
  });

  it('waits for a schema check at most drainTimeoutMs, then refuses its event with CLOSED', async () => {
    const failures: Error[] = [];
    const bus = createEventBus({ source: 'writer', drainTimeoutMs: 50, onError: (e) => failures.push(e) });
    await bus.connect();
    const late = bus.publish('orders', slowOrder(400)({ id: 1 })).catch((e) => e);
    const started = Date.now();
    await bus.close();
    expect(Date.now() - started).toBeLessThan(300);
    const error = await late;
    expect(isEventBusError(error, 'CLOSED')).toBe(true);
    expect((error as Error).message).toMatch(/closed before this event's schema check/);
  });

  it('sends events still in asynchronous publish middleware', async () => {
    const broker = new MemoryBroker();
    const seen: unknown[] = [];
    const reader = createEventBus({ source: 'reader', transport: memoryTransport({ broker }) });
    await reader.subscribe('orders', (event) => {
      seen.push(event.data);
    });
    const writer = createEventBus({
      source: 'writer',
      transport: memoryTransport({ broker }),
      // e.g. looking a tenant up before stamping it on the event
      publishMiddleware: [
        (next) => async (topic, envelope) => {
          await new Promise((resolve) => setTimeout(resolve, 30));
          return next(topic, envelope);
        },
      ],
    });
    await writer.connect();
    writer.emit('orders', { type: 'order.placed', data: 1 });
    const published = writer.publish('orders', { type: 'order.placed', data: 2 });
    await writer.close();
    await expect(published).resolves.toMatchObject({ topic: 'orders' });
    await expect.poll(() => seen.length).toBe(2);
    await reader.close();
  });
});
