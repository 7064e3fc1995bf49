import { describe, expect, it } from 'vitest';
import { BatchScheduler } from './batch-scheduler.ts';

interface Item {
  readonly key: string | undefined;
  readonly n: number;
}

function scheduler(lanes: number, maxItems: number, maxWaitMs: number) {
  const batches: Item[][] = [];
  const open: Array<() => void> = [];
  const s = new BatchScheduler<Item>({
    lanes,
    maxItems,
    maxWaitMs,
    highWaterMark: 1_000,
    keyOf: (i) => i.key,
    run: (items, done) => {
      batches.push(items);
      open.push(done);
    },
  });
  return { s, batches, open };
}

describe('BatchScheduler', () => {
  it('starts a batch when it holds maxItems, without waiting', () => {
    const { s, batches } = scheduler(1, 3, 10_000);
    for (let n = 0; n < 3; n++) s.submit({ key: 'k', n });
    expect(batches.map((b) => b.map((i) => i.n))).toEqual([[0, 1, 2]]);
  });

  it('starts a smaller batch after maxWaitMs', async () => {
    const { s, batches } = scheduler(1, 100, 20);
    s.submit({ key: 'k', n: 0 });
    s.submit({ key: 'k', n: 1 });
    expect(batches).toEqual([]);
    await expect.poll(() => batches.length).toBe(1);
    expect(batches[0]!.map((i) => i.n)).toEqual([0, 1]);
  });

  it('keeps one key in one lane, one batch at a time, in order', async () => {
    const { s, batches, open } = scheduler(4, 2, 5);
    for (let n = 0; n < 6; n++) s.submit({ key: 'same', n });
    expect(batches.map((b) => b.map((i) => i.n))).toEqual([[0, 1]]);
    open.shift()!();
    expect(batches.map((b) => b.map((i) => i.n))).toEqual([
      [0, 1],
      [2, 3],
    ]);
    open.shift()!();
    open.shift()!();
    expect(batches.flat().map((i) => i.n)).toEqual([0, 1, 2, 3, 4, 5]);
    await s.idle();
  });

  it('hands back what has not started', () => {
    const { s } = scheduler(1, 2, 10_000);
    for (let n = 0; n < 5; n++) s.submit({ key: 'k', n });
    expect(s.takeQueued().map((i) => i.n)).toEqual([2, 3, 4]);
    expect(s.size).toBe(2);
  });
});
