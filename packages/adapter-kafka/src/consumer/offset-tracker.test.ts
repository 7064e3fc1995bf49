import { describe, expect, it } from 'vitest';
import { OffsetTracker } from './offset-tracker.ts';

describe('OffsetTracker', () => {
  it('commits only the contiguous prefix of acknowledged offsets', () => {
    const t = new OffsetTracker('t', 0);
    for (const o of [10, 11, 12, 13]) t.add(o);
    expect(t.position()).toBe(10);
    expect(t.ack(12)).toBe(false);
    expect(t.ack(11)).toBe(false);
    expect(t.position()).toBe(10); // 10 still running: a crash must not skip it
    expect(t.ack(10)).toBe(true);
    expect(t.position()).toBe(13);
    expect(t.ack(13)).toBe(true);
    expect(t.position()).toBe(14);
    expect(t.outstanding).toBe(0);
  });

  it('handles gaps in offsets (compaction, transaction markers)', () => {
    const t = new OffsetTracker('t', 0);
    for (const o of [5, 9, 20]) t.add(o);
    t.ack(9);
    t.ack(5);
    expect(t.position()).toBe(20);
    t.ack(20);
    expect(t.position()).toBe(21);
  });

  it('reports what was already handed over, to drop re-fetches after a rebalance', () => {
    const t = new OffsetTracker('t', 0);
    expect(t.seen(0)).toBe(false);
    t.add(0);
    t.add(1);
    expect(t.seen(1)).toBe(true);
    expect(t.seen(2)).toBe(false);
  });

  it('says which position still needs committing', () => {
    const t = new OffsetTracker('t', 0);
    expect(t.uncommitted()).toBeUndefined();
    t.add(0);
    expect(t.uncommitted()).toBe(0);
    t.committed = 0;
    expect(t.uncommitted()).toBeUndefined();
    t.ack(0);
    expect(t.uncommitted()).toBe(1);
  });

  it('commits where it was told to start before anything arrives', () => {
    const latest = new OffsetTracker('t', 0, 40);
    expect(latest.uncommitted()).toBe(40);
    latest.committed = 40;
    expect(latest.uncommitted()).toBeUndefined();
    latest.add(40);
    expect(latest.uncommitted()).toBeUndefined(); // 40 is still running
    latest.ack(40);
    expect(latest.uncommitted()).toBe(41);
  });

  it('stays correct over many out-of-order acks (compaction of its buffer)', () => {
    const t = new OffsetTracker('t', 0);
    const n = 5000;
    for (let o = 0; o < n; o++) t.add(o);
    const order = Array.from({ length: n }, (_, i) => i).sort(() => Math.random() - 0.5);
    let lastPosition = 0;
    for (const o of order) {
      t.ack(o);
      const p = t.position()!;
      expect(p).toBeGreaterThanOrEqual(lastPosition);
      lastPosition = p;
    }
    expect(t.position()).toBe(n);
    expect(t.outstanding).toBe(0);
  });

  it('resumes after the last offset handed over, or where it was told to start before any', () => {
    const fresh = new OffsetTracker('t', 0);
    expect(fresh.resumeAt()).toBeUndefined(); // from the group's commit
    const latest = new OffsetTracker('t', 0, 40);
    expect(latest.resumeAt()).toBe(40);
    for (const o of [40, 41, 42]) latest.add(o);
    latest.ack(40);
    expect(latest.resumeAt()).toBe(43); // 41 and 42 are still in flight here: not fetched again
  });
});
