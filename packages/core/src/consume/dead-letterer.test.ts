import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { defineEvent } from '../define-event.ts';
import { createEventBus } from '../event-bus.ts';
import { MemoryBroker } from '../memory/memory-broker.ts';
import { memoryTransport } from '../memory/memory-transport.ts';
import type { ErrorReport } from '../options.ts';

const OrderPlaced = defineEvent('order.placed', z.object({ orderId: z.string() }));

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A bus with the defaults (no onError) and what it prints on console.error. */
function defaultBus() {
  const lines: string[] = [];
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    lines.push(args.join(' '));
  });
  const bus = createEventBus({
    source: 'billing-svc',
    transport: memoryTransport({ broker: new MemoryBroker() }),
  });
  return { lines, bus };
}

describe('an event that cannot be handled is reported, not only dead-lettered', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('with the defaults, a handler that keeps failing prints one line saying which event, why and where it went', async () => {
    const { lines, bus } = defaultBus();
    let calls = 0;
    await bus.subscribe('orders', OrderPlaced, async () => {
      calls++;
      throw new Error('payment service said no');
    });
    const receipt = await bus.publish('orders', OrderPlaced({ orderId: 'o-1' }, { key: 'o-1' }));
    await until(() => lines.length > 0, 'a line on console.error');
    await bus.close();
    expect(calls).toBe(5);
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).toContain('orders');
    expect(line).toContain('billing-svc');
    expect(line).toContain(receipt.id);
    expect(line).toContain('payment service said no');
    expect(line).toContain('5 attempts');
    expect(line).toContain('orders.dlq');
  });

  it("gives onError the handler's own error, with the dead-letter topic, reason and attempts", async () => {
    const reports: { error: Error; report: ErrorReport }[] = [];
    const bus = createEventBus({
      source: 'billing-svc',
      transport: memoryTransport({ broker: new MemoryBroker() }),
      onError: (error, report) => reports.push({ error, report }),
    });
    const failure = new TypeError('card declined');
    await bus.subscribe(
      'orders',
      OrderPlaced,
      () => {
        throw failure;
      },
      { retry: { attempts: 2, initialDelayMs: 1 } },
    );
    const placed = await bus.publish('orders', OrderPlaced({ orderId: 'o-1' }));
    const invalid = await bus.publish('orders', { type: 'order.placed', data: { orderId: 5 } });
    await until(() => reports.length === 2, 'two reports');
    await bus.close();
    const byId = new Map(reports.map((r) => [r.report.eventId, r]));
    expect(byId.get(placed.id)?.error).toBe(failure);
    expect(byId.get(placed.id)?.report).toEqual({
      operation: 'handle',
      topic: 'orders',
      group: 'billing-svc',
      eventId: placed.id,
      reason: 'handler-failed',
      attempts: 2,
      deadLetterTopic: 'orders.dlq',
    });
    expect(byId.get(invalid.id)?.report).toMatchObject({ operation: 'handle', reason: 'schema-invalid' });
  });

  it('with dead-lettering off, the dropped event is reported saying so', async () => {
    const { lines, bus } = defaultBus();
    await bus.subscribe(
      'orders',
      () => {
        throw new Error('nope');
      },
      { deadLetter: false, retry: false },
    );
    await bus.publish('orders', { type: 'x', data: 1 });
    await until(() => lines.length > 0, 'a line on console.error');
    await bus.close();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/dropped/);
    expect(lines[0]).toMatch(/deadLetter/);
    expect(lines[0]).not.toMatch(/drop failed/);
  });

  it('a flood of poison events prints a bounded number of lines and then how many more there were', async () => {
    const { lines, bus } = defaultBus();
    let handled = 0;
    await bus.subscribe(
      'orders',
      () => {
        handled++;
        throw new Error('poison');
      },
      { retry: false },
    );
    await Promise.all(Array.from({ length: 200 }, (_, n) => bus.publish('orders', { type: 'x', data: n })));
    await until(() => handled === 200, 'every event handled once');
    await bus.close();
    expect(lines.length).toBeLessThanOrEqual(11);
    expect(lines.at(-1)).toMatch(/190 more/);
  });

  it('an onError that throws changes nothing: the event is dead-lettered once and the next one handled', async () => {
    const bus = createEventBus({
      source: 'billing-svc',
      transport: memoryTransport({ broker: new MemoryBroker() }),
      onError: () => {
        throw new Error('the logger is down');
      },
    });
    const calls = new Map<number, number>();
    await bus.subscribe(
      'orders',
      (event) => {
        const n = event.data as number;
        calls.set(n, (calls.get(n) ?? 0) + 1);
        if (n === 1) throw new Error('poison');
      },
      { retry: false },
    );
    const dead: unknown[] = [];
    await bus.subscribe('orders.dlq', (event) => void dead.push(event.data), { group: 'ops' });
    await bus.publish('orders', { type: 'x', data: 1, key: 'k' });
    await bus.publish('orders', { type: 'x', data: 2, key: 'k' });
    await until(() => calls.get(2) === 1 && dead.length === 1, 'the next event and the dead letter');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await bus.close();
    expect(calls.get(1)).toBe(1);
    expect(dead).toEqual([1]);
  });

  it('an onError that throws on a dropped event (deadLetter: false) still acknowledges it', async () => {
    const broker = new MemoryBroker();
    const handledBy = (label: string, seen: string[]) => async (bus: ReturnType<typeof createEventBus>) =>
      bus.subscribe(
        'orders',
        (event) => {
          seen.push(`${label}:${event.data}`);
          if (event.data === 1) throw new Error('poison');
        },
        { retry: false, deadLetter: false },
      );
    const throwing = () => {
      throw new Error('the logger is down');
    };
    const seen: string[] = [];
    const first = createEventBus({
      source: 'billing-svc',
      transport: memoryTransport({ broker }),
      onError: throwing,
    });
    await handledBy('first', seen)(first);
    await first.publish('orders', { type: 'x', data: 1, key: 'k' });
    await first.publish('orders', { type: 'x', data: 2, key: 'k' });
    await until(() => seen.includes('first:2'), 'the next event');
    await first.close();
    // The same service restarted: an event left unacknowledged would come again.
    const second = createEventBus({
      source: 'billing-svc',
      transport: memoryTransport({ broker }),
      onError: throwing,
    });
    await handledBy('second', seen)(second);
    await second.publish('orders', { type: 'x', data: 3, key: 'k' });
    await until(() => seen.includes('second:3'), 'the event after the restart');
    await second.close();
    expect(seen).toEqual(['first:1', 'first:2', 'second:3']);
  });
});
