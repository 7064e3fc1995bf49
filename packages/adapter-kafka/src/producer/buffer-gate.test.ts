import { describe, expect, it } from 'vitest';
import { BufferGate } from './buffer-gate.ts';

describe('BufferGate', () => {
  it('admits events up to the count and byte limits', () => {
    const gate = new BufferGate(3, 100);
    expect(gate.tryAcquire(2, 50)).toBe(true);
    expect(gate.tryAcquire(2, 10)).toBe(false); // count
    expect(gate.tryAcquire(1, 60)).toBe(false); // bytes
    expect(gate.tryAcquire(1, 50)).toBe(true);
    expect([gate.messages, gate.bytes]).toEqual([3, 100]);
  });

  it('serves waiters first come, first served, and makes newcomers queue behind them', async () => {
    const gate = new BufferGate(1, 1000);
    gate.tryAcquire(1, 10);
    const order: string[] = [];
    const a = gate.acquire(10, 1000).then((ok) => order.push(`a:${ok}`));
    const b = gate.acquire(10, 1000).then((ok) => order.push(`b:${ok}`));
    gate.release(1, 10);
    expect(gate.tryAcquire(1, 1)).toBe(false); // b still waits
    await a;
    gate.release(1, 10);
    await b;
    expect(order).toEqual(['a:true', 'b:true']);
  });

  it('gives up after the wait timeout', async () => {
    const gate = new BufferGate(1, 1000);
    gate.tryAcquire(1, 10);
    const started = Date.now();
    expect(await gate.acquire(10, 30)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(gate.waiting).toBe(0);
  });

  it('fails every waiter on close', async () => {
    const gate = new BufferGate(1, 1000);
    gate.tryAcquire(1, 10);
    const waiting = gate.acquire(10, 10_000);
    gate.rejectWaiters();
    expect(await waiting).toBe(false);
  });
});
