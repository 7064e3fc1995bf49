import { isEventBusError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { recommendPartitions } from './recommend-partitions.ts';

describe('recommendPartitions', () => {
  it('is max(ceil(target / per partition), consumers)', () => {
    expect(recommendPartitions({ targetMsgPerSec: 50_000, perPartitionMsgPerSec: 8_000, consumers: 3 })).toBe(
      7,
    );
    expect(recommendPartitions({ targetMsgPerSec: 1_000, perPartitionMsgPerSec: 8_000, consumers: 12 })).toBe(
      12,
    );
    expect(recommendPartitions({ targetMsgPerSec: 0, perPartitionMsgPerSec: 1, consumers: 0 })).toBe(1);
  });

  it('rejects a zero per-partition rate naming the field', () => {
    try {
      recommendPartitions({ targetMsgPerSec: 1, perPartitionMsgPerSec: 0, consumers: 1 });
      expect.unreachable();
    } catch (error) {
      expect(isEventBusError(error, 'INVALID_CONFIG')).toBe(true);
      expect((error as Error).message).toContain('perPartitionMsgPerSec');
    }
  });
});
