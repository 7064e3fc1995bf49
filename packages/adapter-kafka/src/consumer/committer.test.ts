import { describe, expect, it } from 'vitest';
import type { DriverConsumer } from '../driver/driver.ts';
import { Committer } from './committer.ts';
import { OffsetTracker } from './offset-tracker.ts';

/** A consumer whose commits stay in flight until `release()`. */
function slowConsumer() {
  const sent: string[][] = [];
  const pending: Array<() => void> = [];
  const consumer = {
    commit: (offsets: ReadonlyArray<{ partition: number; offset: string }>) => {
      sent.push(offsets.map((o) => `${o.partition}:${o.offset}`));
      return new Promise<void>((resolve) => pending.push(resolve));
    },
  } as unknown as DriverConsumer;
  const release = () => {
    for (const resolve of pending.splice(0)) resolve();
  };
  return { consumer, sent, release };
}

function handled(tracker: OffsetTracker, from: number, to: number): void {
  for (let offset = from; offset < to; offset++) {
    tracker.add(offset);
    tracker.ack(offset);
  }
}

describe('Committer', () => {
  it('sends one commit at a time, except the one made as a rebalance starts', async () => {
    const committer = new Committer(
      () => undefined,
      'billing',
      () => undefined,
    );
    const tracker = new OffsetTracker('orders', 0);
    const { consumer, sent, release } = slowConsumer();
    handled(tracker, 0, 10);
    const periodic = committer.commit(consumer, [tracker]);
    handled(tracker, 10, 20);
    const next = committer.commit(consumer, [tracker]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([['0:10']]); // the next periodic commit waits for the one in flight
    // The group is about to move partitions: what was handled since goes out now, behind it.
    const beforeRebalance = committer.commit(consumer, [tracker], true);
    expect(sent).toEqual([['0:10'], ['0:20']]);
    release();
    await Promise.all([periodic, beforeRebalance]);
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await next;
    expect(tracker.committed).toBe(20);
  });
});
