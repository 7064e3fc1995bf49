import { describe, expect, it } from 'vitest';
import { defineEvent } from '../define-event.ts';
import { isEventBusError } from '../errors.ts';
import { createEventBus } from '../event-bus.ts';
import { MemoryBroker } from '../memory/memory-broker.ts';
import { memoryTransport } from '../memory/memory-transport.ts';

const newBus = (onError: (e: Error) => void = () => {}) =>
  createEventBus({ source: 'sub-test', transport: memoryTransport({ broker: new MemoryBroker() }), onError });

describe('subscriptions', () => {
  it('reports and acknowledges a failed event when dead-lettering is off', async () => {
    const errors: Error[] = [];
    const bus = newBus((e) => errors.push(e));
    let calls = 0;
    await bus.subscribe(
      'drop',
      () => {
        calls++;
        throw new Error('nope');
      },
      { deadLetter: false, retry: false },
    );
    await bus.publish('drop', { type: 't', data: 1 });
    await expect.poll(() => errors.length).toBe(1);
    expect(errors[0]!.message).toBe('nope');
    expect(calls).toBe(1);
    const health = await bus.health();
    expect(health.subscriptions[0]!.lastError).toBe('nope');
    await bus.close();
  });

  it('skips other event types on a topic when subscribed with a definition', async () => {
    const bus = newBus();
    const Shipped = defineEvent<{ id: string }>('order.shipped');
    const seen: string[] = [];
    await bus.subscribe('mixed', Shipped, (event) => {
      seen.push(event.data.id);
    });
    await bus.publish('mixed', { type: 'order.placed', data: { id: 'p' } });
    await bus.publish('mixed', Shipped({ id: 's' }));
    await expect.poll(() => seen).toEqual(['s']);
    await bus.close();
  });

  it('runs the same key concurrently when ordering is off', async () => {
    const bus = newBus();
    let active = 0;
    let maxActive = 0;
    let done = 0;
    await bus.subscribe(
      'unordered',
      async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((resolve) => setTimeout(resolve, 10));
        active--;
        done++;
      },
      { ordering: 'none', concurrency: 4 },
    );
    await Promise.all(
      Array.from({ length: 8 }, () => bus.publish('unordered', { type: 't', data: 0, key: 'same' })),
    );
    await expect.poll(() => done).toBe(8);
    expect(maxActive).toBe(4);
    await bus.close();
  });

  it('rejects bad subscription options naming the field', async () => {
    const bus = newBus();
    const error = await bus.subscribe('bad', () => {}, { concurrency: 0 }).catch((e) => e);
    expect(isEventBusError(error, 'INVALID_CONFIG')).toBe(true);
    expect(error.message).toMatch(/`concurrency`/);
    const retryError = await bus.subscribe('bad', () => {}, { retry: { attempts: -1 } }).catch((e) => e);
    expect(retryError.message).toMatch(/retry\.attempts/);
    await bus.close();
  });

  it('pauses intake when prefetch events are held and resumes when they drain', async () => {
    const bus = newBus();
    const gates: Array<() => void> = [];
    let started = 0;
    await bus.subscribe(
      'slow',
      () =>
        new Promise<void>((resolve) => {
          started++;
          gates.push(resolve);
        }),
      { concurrency: 2, prefetch: 4 },
    );
    await Promise.all(
      Array.from({ length: 20 }, (_, n) => bus.publish('slow', { type: 't', data: n, key: `k${n}` })),
    );
    await expect.poll(() => started).toBe(2);
    const held = await bus.health();
    expect(held.subscriptions[0]!.inFlight).toBe(2);
    expect(held.subscriptions[0]!.queued).toBeLessThanOrEqual(4);
    expect(held.subscriptions[0]!.lag).toBe(20);
    while (started < 20) {
      for (const open of gates.splice(0)) open();
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    for (const open of gates.splice(0)) open();
    await expect.poll(async () => (await bus.health()).subscriptions[0]!.lag).toBe(0);
    await bus.close();
  });
});
