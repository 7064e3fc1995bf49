import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FetchCadence } from './fetch-cadence.ts';

/** `FETCH_START`s of these brokers, in this order. */
const starts = (c: FetchCadence, ...brokers: number[]) => {
  for (const b of brokers) c.fetchStarted(b);
};

describe('FetchCadence', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] }));
  afterEach(() => vi.useRealTimers());

  function cadence(everyMs = 100) {
    const changes: boolean[] = [];
    const c = new FetchCadence(everyMs, () => changes.push(c.closed));
    return { c, changes };
  }

  it('starts open, closes after every broker fetched twice since, and opens again on the next tick', () => {
    const { c, changes } = cadence();
    c.joined();
    expect(c.closed).toBe(false);
    c.fetchStarted(1); // this fetch names the slow partitions
    c.fetchStarted(2);
    c.fetchStarted(1); // broker 1's batches went through; broker 2's not yet
    expect(c.closed).toBe(false);
    c.fetchStarted(2);
    expect(c.closed).toBe(true);
    c.fetchStarted(1); // closed: counts nothing
    vi.advanceTimersByTime(100);
    expect(c.closed).toBe(false);
    starts(c, 1, 2, 1, 2);
    expect(changes).toEqual([true, false, true]);
    c.stopped();
  });

  const reasons: Array<[string, (c: FetchCadence) => void]> = [
    ['slow batches arrive, so a backlog drains', (c) => c.slowBatch()],
    ['a round of fetches takes the cadence or longer (idle long polls)', () => vi.advanceTimersByTime(100)],
  ];
  for (const [reason, meanwhile] of reasons) {
    it(`stays open for another round while ${reason}`, () => {
      const { c } = cadence();
      c.joined();
      c.fetchStarted(1);
      meanwhile(c);
      c.fetchStarted(1);
      expect(c.closed).toBe(false);
      starts(c, 1, 1);
      expect(c.closed).toBe(true);
      c.stopped();
    });
  }

  it('waits for every broker seen since the join, and forgets them at the next join', () => {
    const { c } = cadence();
    c.joined();
    starts(c, 1, 2, 1, 2);
    expect(c.closed).toBe(true);
    vi.advanceTimersByTime(100);
    starts(c, 1, 1);
    expect(c.closed).toBe(false); // broker 2 has not fetched again: it may lead a slow partition
    c.joined();
    expect(c.closed).toBe(false);
    starts(c, 1, 1);
    expect(c.closed).toBe(true);
    c.stopped();
  });

  it('is open and ticks no more once stopped', () => {
    const { c, changes } = cadence();
    c.joined();
    starts(c, 1, 1);
    expect(c.closed).toBe(true);
    c.stopped();
    expect(c.closed).toBe(false);
    starts(c, 1, 1);
    expect(c.closed).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(changes).toEqual([true]);
  });
});
