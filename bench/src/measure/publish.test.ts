import { afterEach, describe, expect, it, vi } from 'vitest';
import { RunContext } from '../context.ts';
import type { Row } from '../results.ts';
import type { Worker } from '../rpc.ts';
import type { Subject } from '../subjects/types.ts';
import { interleave } from './interleave.ts';
import { publishContender, RUN_PAYLOAD_CAP_BYTES, runCount } from './publish.ts';

describe('runCount', () => {
  it('keeps the count when the measured rate needs no more to last the minimum', () => {
    expect(runCount(50_000, 40_000, 1_000, 100)).toBe(50_000);
  });

  it('grows to what the rate publishes in the minimum, rounded up to a thousand', () => {
    expect(runCount(50_000, 370_453, 1_000, 100)).toBe(371_000);
  });

  it('writes no more than the payload cap in one run', () => {
    expect(runCount(50_000, 230_000, 1_000, 1024)).toBe(Math.floor(RUN_PAYLOAD_CAP_BYTES / 1024));
  });
});

/**
 * A context whose producer publishes at `ratePerSec` in memory, on a clock of its own (the 3 s
 * warm-up passes at once); records its timed runs' counts and the rows.
 */
function fakeContext(ratePerSec: number, quick = false) {
  let clock = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => clock);
  const ctx = new RunContext({ quick, runs: 2, env: {} });
  const published: number[] = [];
  const rows: Row[] = [];
  const worker = {
    name: 'producer',
    async call(command: string, args: { count?: number; phase?: number }) {
      if (command !== 'publish') return null;
      if (args.phase !== undefined && args.phase >= 0) published.push(args.count!);
      const elapsedMs = (args.count! * 1000) / ratePerSec;
      clock += elapsedMs;
      return { elapsedMs, count: args.count };
    },
  } as unknown as Worker;
  Object.assign(ctx, {
    worker: async () => worker,
    stop: async () => 100,
    dropTopic: async () => {},
    add: (row: Row) => rows.push(row),
    progress: () => {},
    log: () => {},
  });
  return { ctx, published, rows };
}

describe('publishContender', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });
  const subject = { id: 'switchyard', label: 'Switchyard (kafka)', kind: 'switchyard' } as Subject;
  const spec = {
    family: 'publish',
    transport: 'kafka',
    subject,
    mode: 'batch',
    payloadBytes: 100,
    count: 50_000,
    inFlight: 1_000,
    config: { preset: 'durable' },
  } as const;

  it('times runs of the minimum length at the warm-up’s rate, and says how many events each had', async () => {
    const { ctx, published, rows } = fakeContext(400_000);
    await interleave(ctx, [publishContender(ctx, { ...spec, minRunMs: 1_000 })]);
    expect(published).toEqual([400_000, 400_000]);
    expect(rows[0]?.messages).toBe(400_000);
  });

  it('keeps a --quick run’s short runs, minimum or not', async () => {
    const { ctx, published, rows } = fakeContext(400_000, true);
    await interleave(ctx, [publishContender(ctx, { ...spec, minRunMs: 1_000 })]);
    expect(published).toEqual([50_000, 50_000]);
    expect(rows[0]?.messages).toBe(50_000);
  });

  it('times runs of the spec’s count without a minimum', async () => {
    const { ctx, published, rows } = fakeContext(400_000);
    await interleave(ctx, [publishContender(ctx, spec)]);
    expect(published).toEqual([50_000, 50_000]);
    expect(rows[0]?.messages).toBe(50_000);
  });
});
