import { describe, expect, it } from 'vitest';
import { overSurvivors } from './over-survivors.ts';

const gone = Object.assign(new Error('This server does not host this topic-partition'), {
  type: 'UNKNOWN_TOPIC_OR_PARTITION',
});

/** A broker whose topics can be deleted; describing a batch fails if one of it is gone. */
function broker(topics: string[]) {
  const live = new Set(topics);
  const calls: string[][] = [];
  return {
    live,
    calls,
    describe: async (names: readonly string[]) => {
      calls.push([...names]);
      if (names.some((n) => !live.has(n))) throw gone;
      return [...names];
    },
    existing: async (names: readonly string[]) => names.filter((n) => live.has(n)),
  };
}

describe('overSurvivors', () => {
  it('describes the names that still exist when some were deleted after listing', async () => {
    const b = broker(['a', 'b', 'c', 'd']);
    const listed = [...b.live];
    b.live.delete('b');
    b.live.delete('d');
    const result = await overSurvivors(listed, b.describe, { existing: b.existing, pauseMs: 0 });
    expect(result).toEqual(['a', 'c']);
    expect(b.calls).toEqual([
      ['a', 'b', 'c', 'd'],
      ['a', 'c'],
    ]);
  });

  it('keeps up with deletions that go on between its attempts', async () => {
    const b = broker(['a', 'b', 'c']);
    const deleting = ['a', 'b'];
    const describe = async (names: readonly string[]) => {
      const next = deleting.shift();
      if (next !== undefined) b.live.delete(next); // deleted while the request is in flight
      return b.describe(names);
    };
    const result = await overSurvivors(['a', 'b', 'c'], describe, { existing: b.existing, pauseMs: 0 });
    expect(result).toEqual(['c']);
  });

  it('throws a failure that no deletion explains (every name still exists) at once', async () => {
    let calls = 0;
    const denied = Object.assign(new Error('denied'), { type: 'TOPIC_AUTHORIZATION_FAILED' });
    const failing = async () => {
      calls++;
      throw denied;
    };
    await expect(overSurvivors(['a', 'b'], failing, { existing: async (n) => n, pauseMs: 0 })).rejects.toBe(
      denied,
    );
    expect(calls).toBe(1);
  });

  it("throws the call's failure when asking which names exist fails too", async () => {
    const down = new Error('connection refused');
    const failing = async () => {
      throw down;
    };
    const existing = async () => {
      throw new Error('still down');
    };
    await expect(overSurvivors(['a'], failing, { existing, pauseMs: 0 })).rejects.toBe(down);
  });

  it('gives up after the bounded number of attempts with the last error', async () => {
    const b = broker(Array.from({ length: 10 }, (_, i) => `t${i}`));
    const describe = async (names: readonly string[]) => {
      b.live.delete(names[0]!); // a topic deleted during every attempt
      return b.describe(names);
    };
    await expect(
      overSurvivors([...b.live], describe, { existing: b.existing, attempts: 3, pauseMs: 0 }),
    ).rejects.toBe(gone);
    expect(b.calls).toHaveLength(3);
  });
});
