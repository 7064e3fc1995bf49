import { describe, expect, it } from 'vitest';
import { RestartBackoff } from './restart-backoff.ts';

describe('RestartBackoff', () => {
  it('doubles from 1 s to 30 s while restarts keep failing', () => {
    const b = new RestartBackoff();
    expect(Array.from({ length: 7 }, () => b.next(0))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000,
    ]);
  });

  it('keeps growing after a short run, and starts again at 1 s after a healthy minute', () => {
    const b = new RestartBackoff();
    b.next(0);
    b.next(0);
    b.running(10_000);
    expect(b.next(20_000)).toBe(4_000);
    b.running(30_000);
    expect(b.next(90_000)).toBe(1_000);
    expect(b.next(91_000)).toBe(2_000);
  });
});
