import { describe, expect, it } from 'vitest';
import { waitAtMost } from './wait-at-most.ts';

describe('waitAtMost', () => {
  it('returns when the work settles, however it ends', async () => {
    const started = performance.now();
    await waitAtMost(Promise.resolve('done'), 10_000);
    await waitAtMost(Promise.reject(new Error('failed')), 10_000);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('returns after the deadline when the work does not settle', async () => {
    const started = performance.now();
    await waitAtMost(new Promise(() => {}), 50);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });
});
