import { describe, expect, it } from 'vitest';
import { KeyedScheduler } from './keyed-scheduler.ts';

interface Item {
  key: string | undefined;
  n: number;
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The scheduler's `run` for an async function: done when its promise settles. */
const whenSettled =
  <T>(fn: (item: T) => Promise<unknown>) =>
  (item: T, done: (item: T) => void): void => {
    fn(item).finally(() => done(item));
  };

describe('KeyedScheduler', () => {
  it('runs items with the same key one at a time in submission order', async () => {
    const seen: number[] = [];
    let active = 0;
    let maxActive = 0;
    const scheduler = new KeyedScheduler<Item>({
      concurrency: 8,
      highWaterMark: 1000,
      keyOf: (i) => i.key,
      run: whenSettled(async (i: Item) => {
        active++;
        maxActive = Math.max(maxActive, active);
        await tick(Math.random() * 3);
        seen.push(i.n);
        active--;
      }),
    });
    for (let n = 0; n < 20; n++) scheduler.submit({ key: 'k', n });
    await scheduler.idle();
    expect(seen).toEqual([...Array(20).keys()]);
    expect(maxActive).toBe(1);
  });

  it('keeps each key in order while thousands of keys come and go', async () => {
    // Past the point where keys that ended are dropped from the scheduler's key map (1,024 free keys).
    const seen = new Map<string, number[]>();
    const running = new Set<string>();
    let overlapped = false;
    const scheduler = new KeyedScheduler<Item>({
      concurrency: 16,
      highWaterMark: 100_000,
      keyOf: (i) => i.key,
      run: (i, done) => {
        const key = i.key!;
        if (running.has(key)) overlapped = true;
        running.add(key);
        const end = () => {
          running.delete(key);
          seen.set(key, [...(seen.get(key) ?? []), i.n]);
          done(i);
        };
        // Every third item ends later: keys are busy across sweeps, others end at once.
        if (i.n % 3 === 0) setTimeout(end, 0);
        else end();
      },
    });
    for (let n = 0; n < 6_000; n++) scheduler.submit({ key: `k${n % 2_500}`, n });
    await scheduler.idle();
    for (let n = 0; n < 300; n++) scheduler.submit({ key: `k${n % 7}`, n: 6_000 + n });
    await scheduler.idle();
    expect(overlapped).toBe(false);
    for (const [key, ns] of seen) expect(ns, key).toEqual([...ns].sort((a, b) => a - b));
    expect([...seen.values()].reduce((sum, ns) => sum + ns.length, 0)).toBe(6_300);
    expect(scheduler.size).toBe(0);
  });

  it('runs different keys concurrently up to the bound', async () => {
    let active = 0;
    let maxActive = 0;
    const scheduler = new KeyedScheduler<Item>({
      concurrency: 4,
      highWaterMark: 1000,
      keyOf: (i) => i.key,
      run: whenSettled(async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await tick(5);
        active--;
      }),
    });
    for (let n = 0; n < 20; n++) scheduler.submit({ key: `k${n}`, n });
    for (let n = 0; n < 5; n++) scheduler.submit({ key: undefined, n });
    await scheduler.idle();
    expect(maxActive).toBe(4);
  });

  it('keeps per-key order under many keys and random delays', async () => {
    const perKey = new Map<string, number[]>();
    const scheduler = new KeyedScheduler<Item>({
      concurrency: 16,
      highWaterMark: 10_000,
      keyOf: (i) => i.key,
      run: whenSettled(async (i: Item) => {
        await tick(Math.random() * 2);
        const list = perKey.get(i.key!) ?? [];
        list.push(i.n);
        perKey.set(i.key!, list);
      }),
    });
    for (let n = 0; n < 500; n++) scheduler.submit({ key: `k${n % 13}`, n });
    await scheduler.idle();
    for (const list of perKey.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
  });

  it('signals saturation at the high-water mark and drain at half of it', async () => {
    const events: string[] = [];
    const gates: Array<() => void> = [];
    const scheduler = new KeyedScheduler<Item>({
      concurrency: 2,
      highWaterMark: 4,
      keyOf: () => undefined,
      run: whenSettled(() => new Promise<void>((resolve) => gates.push(resolve))),
      onSaturated: () => events.push('saturated'),
      onDrained: () => events.push('drained'),
    });
    for (let n = 0; n < 4; n++) scheduler.submit({ key: undefined, n });
    expect(events).toEqual(['saturated']);
    while (scheduler.size > 0) {
      gates.shift()?.();
      await tick(1);
    }
    expect(events).toEqual(['saturated', 'drained']);
  });

  it('keeps going after a run that throws synchronously', async () => {
    const done: number[] = [];
    const scheduler = new KeyedScheduler<Item>({
      concurrency: 1,
      highWaterMark: 10,
      keyOf: (i) => i.key,
      run: (i, finished) => {
        if (i.n === 0) throw new Error('boom');
        done.push(i.n);
        finished(i);
      },
    });
    scheduler.submit({ key: 'a', n: 0 });
    scheduler.submit({ key: 'a', n: 1 });
    await scheduler.idle();
    expect(done).toEqual([1]);
  });
});
