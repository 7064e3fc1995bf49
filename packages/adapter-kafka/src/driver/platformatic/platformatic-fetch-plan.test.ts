import type { ClusterMetadata } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { partitionKey, planFetches } from './platformatic-fetch-plan.ts';

/** Topic `orders` of 4 partitions led by brokers 1, 2, 1 and none (an election). */
const metadata = {
  topics: new Map([
    [
      'orders',
      { id: 'orders-id', partitions: [{ leader: 1 }, { leader: 2 }, { leader: 1 }, { leader: -1 }] },
    ],
  ]),
} as unknown as ClusterMetadata;

const positions = new Map([0, 1, 2, 3].map((p) => [partitionKey('orders', p), BigInt(10 * p)] as const));

describe('planFetches', () => {
  it('asks each leader for the partitions it leads, from their positions', () => {
    const plan = planFetches(
      { assignment: new Map([['orders', [0, 1, 2, 3]]]), positions, paused: new Set(), inflight: new Set() },
      metadata,
      1024,
    );
    expect([...plan.keys()]).toEqual([1, 2]);
    const one = plan.get(1)!.get('orders')!;
    expect(one.topicId).toBe('orders-id');
    expect(one.partitions.map((p) => [p.partition, p.fetchOffset, p.partitionMaxBytes])).toEqual([
      [0, 0n, 1024],
      [2, 20n, 1024],
    ]);
    expect([...one.at]).toEqual([
      [0, 0n],
      [2, 20n],
    ]);
  });

  it('leaves out paused partitions, brokers with a fetch in flight, and partitions without a position or leader', () => {
    const plan = planFetches(
      {
        assignment: new Map([
          ['orders', [0, 1, 2, 3]],
          ['unknown', [0]],
        ]),
        positions: new Map([...positions].filter(([k]) => k !== partitionKey('orders', 2))),
        paused: new Set([partitionKey('orders', 0)]),
        inflight: new Set([2]),
      },
      metadata,
      1024,
    );
    expect(plan.size).toBe(0);
  });
});
