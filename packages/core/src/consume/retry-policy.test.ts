import { describe, expect, it } from 'vitest';
import { isEventBusError } from '../errors.ts';
import { resolveRetryPolicy, retryDelay } from './retry-policy.ts';

describe('retry policy', () => {
  it('grows delays exponentially up to the cap', () => {
    const policy = resolveRetryPolicy({
      initialDelayMs: 100,
      multiplier: 2,
      maxDelayMs: 500,
      jitter: 'none',
    });
    expect([1, 2, 3, 4].map((n) => retryDelay(policy, n))).toEqual([100, 200, 400, 500]);
  });

  it('applies full jitter within [0, computed]', () => {
    const policy = resolveRetryPolicy({ initialDelayMs: 100, jitter: 'full' });
    expect(retryDelay(policy, 2, () => 0.5)).toBe(100);
    expect(retryDelay(policy, 2, () => 0)).toBe(0);
  });

  it('rejects bad values naming the field', () => {
    expect(() => resolveRetryPolicy({ attempts: 0 })).toThrowError(/retry\.attempts/);
    try {
      resolveRetryPolicy({ multiplier: 0.5 });
    } catch (error) {
      expect(isEventBusError(error, 'INVALID_CONFIG')).toBe(true);
    }
  });

  it('treats `false` as a single attempt', () => {
    expect(resolveRetryPolicy(false).attempts).toBe(1);
  });
});
