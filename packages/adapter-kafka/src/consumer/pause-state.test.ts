import { afterEach, describe, expect, it, vi } from 'vitest';
import { PauseState } from './pause-state.ts';

afterEach(() => vi.useRealTimers());

describe('PauseState', () => {
  it('pauses every assigned partition for core or the prefetch bound, and only what changed is applied', () => {
    const applied: string[] = [];
    const s = new PauseState((p) => applied.push(JSON.stringify(p)));
    s.setAssignment(new Map([['t', [0, 1]]]));
    s.setCore(true);
    s.setCore(true);
    s.setPrefetchFull(true);
    s.setCore(false);
    s.setPrefetchFull(false);
    expect(applied).toEqual(['[]', '[{"topic":"t","partitions":[0,1]}]', '[]']);
  });

  it('holds a retry partition until its next event is due', async () => {
    vi.useFakeTimers();
    const applied: string[] = [];
    const s = new PauseState((p) => applied.push(JSON.stringify(p)));
    s.setAssignment(new Map([['t.retry.1s', [0, 1]]]));
    s.holdUntil('t.retry.1s', 1, Date.now() + 100);
    expect(s.paused()).toEqual([{ topic: 't.retry.1s', partitions: [1] }]);
    await vi.advanceTimersByTimeAsync(100);
    expect(s.paused()).toEqual([]);
    expect(applied.at(-1)).toBe('[]');
  });
});
