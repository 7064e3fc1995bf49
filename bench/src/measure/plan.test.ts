import { describe, expect, it } from 'vitest';
import { PLAN_MIN_RUNS, planRuns } from './plan.ts';

describe('planRuns', () => {
  it('runs each N at least five times in a full run, so the median is a warm run', () => {
    expect(planRuns({ quick: false, runs: 3 })).toBe(PLAN_MIN_RUNS);
    expect(planRuns({ quick: false, runs: 9 })).toBe(9);
  });

  it('keeps the run count asked for in a quick run', () => {
    expect(planRuns({ quick: true, runs: 1 })).toBe(1);
  });
});
