import { describe, expect, it } from 'vitest';
import { schedulerFor } from './consumer-scheduler.ts';
import { consumerSettings } from './consumer-settings.ts';

interface Item {
  readonly key: string;
  readonly n: number;
}

/** A scheduler for `options` whose runs wait until the test settles them. */
function scheduler(
  options: Parameters<typeof consumerSettings>[1],
  batch?: Parameters<typeof consumerSettings>[2],
) {
  const started: number[][] = [];
  const pending: Array<() => void> = [];
  const intake = schedulerFor<Item>(consumerSettings('orders', options, batch), {
    keyOf: (item) => item.key,
    onSaturated: () => {},
    onDrained: () => {},
    run: (item, done) => {
      started.push([item.n]);
      pending.push(() => done(item));
    },
    runBatch: (items, done) => {
      started.push(items.map((i) => i.n));
      pending.push(done);
    },
  });
  const settleAll = () => {
    for (const settle of pending.splice(0)) settle();
  };
  return { intake, started, settleAll };
}

describe('schedulerFor', () => {
  it('runs one event per key at a time with key ordering', () => {
    const { intake, started, settleAll } = scheduler({ concurrency: 4 });
    for (const n of [1, 2, 3]) intake.submit({ key: 'same', n });
    expect(started).toEqual([[1]]);
    settleAll();
    expect(started).toEqual([[1], [2]]);
  });

  it('runs events of one key side by side without ordering', () => {
    const { intake, started } = scheduler({ concurrency: 4, ordering: 'none' });
    for (const n of [1, 2, 3]) intake.submit({ key: 'same', n });
    expect(started).toEqual([[1], [2], [3]]);
  });

  it('hands a batch subscription its events in batches of at most maxEvents', async () => {
    const { intake, started } = scheduler({ concurrency: 1 }, { maxEvents: 2, maxWaitMs: 10 });
    for (const n of [1, 2, 3]) intake.submit({ key: `k${n}`, n });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(started[0]).toEqual([1, 2]);
  });
});
