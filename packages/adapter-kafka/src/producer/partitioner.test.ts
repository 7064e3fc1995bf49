import { describe, expect, it } from 'vitest';
import type { TopicMetadata } from '../driver/driver.ts';
import { partitionForKey } from './murmur2.ts';
import { Partitioner } from './partitioner.ts';

const meta = (leaders: number[]): TopicMetadata => ({
  topic: 't',
  partitions: leaders.map((leader, partition) => ({ partition, leader, replicas: 1 })),
});

describe('Partitioner', () => {
  it('puts a key where the Java default partitioner does, whatever else happened', () => {
    const p = new Partitioner();
    const m = meta([1, 1, 1, 1, 1, 1]);
    for (const key of ['order-1', 'order-2', 'ü', '']) {
      expect(p.choose('t', key, m)).toBe(partitionForKey(key, 6));
      p.batchClosed('t', p.choose('t', key, m), m);
      expect(p.choose('t', key, m)).toBe(partitionForKey(key, 6));
    }
  });

  it('keeps keyless events on one partition until its batch is sent, then moves on', () => {
    let r = 0;
    const randoms = [0.1, 0.9, 0.5];
    const p = new Partitioner(() => randoms[r++ % randoms.length]!);
    const m = meta([1, 1, 1, 1]);
    const first = p.choose('t', undefined, m);
    for (let i = 0; i < 10; i++) expect(p.choose('t', undefined, m)).toBe(first);
    p.batchClosed('t', first, m);
    const second = p.choose('t', undefined, m);
    expect(second).not.toBe(first);
    p.batchClosed('t', 99, m); // another partition's batch: no change
    expect(p.choose('t', undefined, m)).toBe(second);
  });

  it('sticks keyless events only to partitions that have a leader', () => {
    const p = new Partitioner(() => 0.99);
    const m = meta([-1, 2, -1]);
    expect(p.choose('t', undefined, m)).toBe(1);
  });
});
