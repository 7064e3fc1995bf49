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

  it('gives every event of a type to each handler of that type, retrying a failing one alone', async () => {
    const bus = newBus();
    const Placed = defineEvent<{ n: number }>('order.placed');
    const emails: number[] = [];
    const stats: number[] = [];
    let flaky = 0;
    await bus.subscribe('orders', Placed, (e) => {
      emails.push(e.data.n);
    });
    await bus.subscribe(
      'orders',
      Placed,
      (e) => {
        if (e.data.n === 3 && flaky++ < 2) throw new Error('stats store busy');
        stats.push(e.data.n);
      },
      { retry: { attempts: 3, initialDelayMs: 1, jitter: 'none' } },
    );
    for (let n = 0; n < 5; n++) await bus.publish('orders', Placed({ n }, { key: 'o' }));
    await expect.poll(() => stats.length).toBe(5);
    expect(emails).toEqual([0, 1, 2, 3, 4]);
    expect(stats).toEqual([0, 1, 2, 3, 4]);
    await bus.close();
  });

  it('refuses a later subscription of the group that asks for other consumer settings, naming the field', async () => {
    const bus = newBus();
    await bus.subscribe('orders', () => {}, { concurrency: 8 });
    await bus.subscribe('orders', () => {}); // leaving it out joins the running consumer
    await bus.subscribe('orders', () => {}, { concurrency: 8 });
    const error = await bus.subscribe('orders', () => {}, { concurrency: 4 }).catch((e) => e);
    expect(isEventBusError(error, 'INVALID_CONFIG')).toBe(true);
    expect(error.message).toMatch(/`concurrency`.*share one consumer.*concurrency 8/);
    await bus.subscribe('orders', () => {}, { concurrency: 4, group: 'other' }); // another group is another consumer
    await bus.close();
  });

  it('keeps the other handlers running when one subscription closes; its type is then unhandled', async () => {
    const bus = newBus();
    const Placed = defineEvent<{ n: number }>('order.placed');
    const Shipped = defineEvent<{ n: number }>('order.shipped');
    const placed: number[] = [];
    const shipped: number[] = [];
    const placedSub = await bus.subscribe('orders', Placed, (e) => {
      placed.push(e.data.n);
    });
    await bus.subscribe('orders', Shipped, (e) => {
      shipped.push(e.data.n);
    });
    await placedSub.close();
    await bus.publish('orders', Placed({ n: 1 }));
    await bus.publish('orders', Shipped({ n: 2 }));
    await expect.poll(() => shipped).toEqual([2]);
    expect(placed).toEqual([]);
    const [consumer] = (await bus.health()).subscriptions;
    expect(consumer).toMatchObject({ types: ['order.shipped'], unhandled: 1 });
    await bus.close();
  });

  it('lets a draining handler publish its follow-up, and refuses a publish from outside once close is called', async () => {
    const broker = new MemoryBroker();
    const service = () => createEventBus({ source: 'orders-svc', transport: memoryTransport({ broker }) });
    const bus = service();
    const followUps: unknown[] = [];
    const payments = () => (e: { data: unknown }) => {
      followUps.push(e.data);
    };
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = false;
    await bus.subscribe('orders', async (e) => {
      started = true;
      await gate;
      await bus.publish('payments', { type: 'payment.requested', data: e.data });
    });
    await bus.subscribe('payments', payments(), { group: 'payments-svc' });
    await bus.publish('orders', { type: 'order.placed', data: 7 });
    await expect.poll(() => started).toBe(true);
    const closing = bus.close();
    const outside = await bus.publish('orders', { type: 'order.placed', data: 8 }).catch((e) => e);
    expect(isEventBusError(outside, 'CLOSED')).toBe(true);
    release();
    await closing;
    // The follow-up was sent; if the closing bus handed it back, the next instance gets it.
    const next = service();
    await next.subscribe('payments', payments(), { group: 'payments-svc' });
    await expect.poll(() => followUps).toEqual([7]);
    await next.close();
  });

  it('closes a subscription when its signal aborts', async () => {
    const bus = newBus();
    const controller = new AbortController();
    const seen: number[] = [];
    await bus.subscribe(
      'orders',
      (e) => {
        seen.push(e.data as number);
      },
      { signal: controller.signal },
    );
    await bus.publish('orders', { type: 't', data: 1 });
    await expect.poll(() => seen).toEqual([1]);
    controller.abort();
    await expect.poll(async () => (await bus.health()).subscriptions.length).toBe(0);
    await bus.close();
  });
});
