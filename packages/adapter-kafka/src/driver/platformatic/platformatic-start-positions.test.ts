import { describe, expect, it } from 'vitest';
import type { PlatformaticConsumerClient } from './platformatic-consumer.ts';
import { startPositions } from './platformatic-start-positions.ts';

/** A client whose group committed offset 7 on orders[0] only; the logs start at 100 and end at 500. */
function client() {
  const asked: Array<{ topics: string[]; timestamp: bigint }> = [];
  const fake = {
    listCommittedOffsets: async () => new Map([['orders', [7n, -1n]]]),
    listOffsets: async (o: { topics: string[]; partitions: Record<string, number[]>; timestamp: bigint }) => {
      asked.push({ topics: o.topics, timestamp: o.timestamp });
      return new Map(
        o.topics.map((t) => [
          t,
          Object.assign(
            [],
            Object.fromEntries(o.partitions[t]!.map((p) => [p, o.timestamp === -2n ? 100n : 500n])),
          ),
        ]),
      );
    },
  };
  return { fake: fake as unknown as PlatformaticConsumerClient, asked };
}

describe('startPositions', () => {
  it('starts at the committed offset, else at the log start or end as the topic was subscribed', async () => {
    const { fake, asked } = client();
    const positions = await startPositions(
      fake,
      new Map([
        ['orders', [0, 1]],
        ['audit', [0]],
      ]),
      (topic) => topic === 'orders',
    );
    expect(Object.fromEntries(positions)).toEqual({ 'orders:0': 7n, 'orders:1': 100n, 'audit:0': 500n });
    expect(asked).toEqual([
      { topics: ['orders'], timestamp: -2n },
      { topics: ['audit'], timestamp: -1n },
    ]);
  });

  it('asks nothing for an empty assignment', async () => {
    const { fake, asked } = client();
    expect((await startPositions(fake, new Map(), () => true)).size).toBe(0);
    expect(asked).toEqual([]);
  });
});
