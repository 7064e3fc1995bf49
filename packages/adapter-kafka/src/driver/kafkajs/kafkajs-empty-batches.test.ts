import { describe, expect, it } from 'vitest';
import { withRecords } from './kafkajs-empty-batches.ts';

describe('withRecords', () => {
  it('keeps the batches that carry records, in order, and hands back the same array when none is empty', () => {
    const a = { id: 'a', rawMessages: [1] };
    const b = { id: 'b', rawMessages: [] };
    const c = { id: 'c', rawMessages: [2, 3] };
    expect(withRecords([b, a, b, c, b])).toEqual([a, c]);
    const full = [a, c];
    expect(withRecords(full)).toBe(full);
    expect(withRecords([b, b])).toEqual([]);
  });

  it('keeps a batch whose records kafkajs filters later (control records, aborted transactions)', () => {
    // kafkajs then resolves the offsets past them; dropping it would leave the position behind.
    const control = { rawMessages: [{ isControlRecord: true }], messages: [] };
    expect(withRecords([control])).toEqual([control]);
  });
});
