import { describe, expect, it } from 'vitest';
import { AckWindow } from './ack-window.ts';

describe('AckWindow', () => {
  it('hands out free slots at once and makes the next caller wait when full', async () => {
    const window = new AckWindow(2);
    expect(window.acquire()).toBeUndefined();
    expect(window.acquire()).toBeUndefined();
    const third = window.acquire();
    expect(third).toBeInstanceOf(Promise);
    expect(window.waiting).toBe(1);
    window.release();
    await third;
    expect(window.used).toBe(2);
    expect(window.waiting).toBe(0);
  });

  it('wakes waiters in arrival order', async () => {
    const window = new AckWindow(1);
    window.acquire();
    const order: number[] = [];
    const waits = [1, 2, 3].map((n) => window.acquire()!.then(() => order.push(n)));
    for (let i = 0; i < 3; i++) window.release();
    await Promise.all(waits);
    expect(order).toEqual([1, 2, 3]);
    window.release();
    expect(window.used).toBe(0);
  });

  it('does not let a newcomer overtake a waiter when a slot frees', async () => {
    const window = new AckWindow(1);
    window.acquire();
    const waiter = window.acquire();
    window.release();
    expect(window.acquire()).toBeInstanceOf(Promise);
    await waiter;
  });
});
