import { afterEach, describe, expect, it, vi } from 'vitest';
import { PauseState } from './pause-state.ts';

afterEach(() => vi.useRealTimers());

describe('PauseState', () => {
  it('pauses every assigned partition of a paused topic, and applies only what changed', () => {
    const applied: string[] = [];
    const stopped = new Set<string>();
    const s = new PauseState(
      (p) => applied.push(JSON.stringify(p)),
      (topic) => stopped.has(topic),
    );
    s.setAssignment(
      new Map([
        ['a', [0, 1]],
        ['b', [0]],
      ]),
    );
    stopped.add('a');
    s.sync();
    s.sync();
    stopped.add('b');
    s.sync();
    stopped.clear();
    s.sync();
    expect(applied).toEqual([
      '[]',
      '[{"topic":"a","partitions":[0,1]}]',
      '[{"topic":"a","partitions":[0,1]},{"topic":"b","partitions":[0]}]',
      '[]',
    ]);
  });

  it('holds a retry partition until its next event is due', async () => {
    vi.useFakeTimers();
    const applied: string[] = [];
    const s = new PauseState(
      (p) => applied.push(JSON.stringify(p)),
      () => false,
    );
    s.setAssignment(new Map([['t.retry.1s', [0, 1]]]));
    s.holdUntil('t.retry.1s', 1, Date.now() + 100);
    expect(s.paused()).toEqual([{ topic: 't.retry.1s', partitions: [1] }]);
    await vi.advanceTimersByTimeAsync(100);
    expect(s.paused()).toEqual([]);
    expect(applied.at(-1)).toBe('[]');
  });
});
