import { describe, expect, it } from 'vitest';
import { reliabilityMd } from './report.ts';
import { extractResults, mergeResults, type VitestJson } from './results.ts';

const figures = {
  transport: 'nats (nats-server 2.9)',
  scenario: 'broker-pause',
  acknowledged: 21_311,
  failedReported: 6_048,
  failures: { 'BUFFER_FULL/retriable': 6_048 },
  stored: 21_311,
  received: 21_311,
  lost: 0,
  duplicated: 0,
  orderViolations: 0,
  publishStallSeconds: 7,
  longestPublishSeconds: 6.8,
  consumeStallSeconds: 5.7,
  peakRssMiB: 251,
  rssOf: 'publisher process',
  faultSeconds: 7.6,
  unsettled: 0,
  seconds: 18.7,
  notes: ['offered 2000/s'],
};

const report: VitestJson = {
  startTime: 1_000,
  testResults: [
    {
      name: '/repo/packages/adapter-nats/faults/nats.faults.test.ts',
      startTime: 1_000,
      endTime: 61_000,
      assertionResults: [
        {
          ancestorTitles: ['faults: nats (nats-server 2.9)'],
          title: 'settles every publish',
          status: 'passed',
          failureMessages: [],
          meta: { faultFigures: figures },
        },
        {
          ancestorTitles: ['faults: nats (nats-server 2.9)'],
          title: 'handles every acknowledged event',
          status: 'failed',
          failureMessages: ['AssertionError: acknowledged events never handled\n    at …'],
          meta: { faultFigures: { ...figures, scenario: 'consumer-kill', lost: 46, orderViolations: null } },
        },
      ],
    },
    {
      name: '/repo/packages/testkit/faults/memory.faults.test.ts',
      startTime: 61_000,
      endTime: 61_016,
      assertionResults: [
        {
          ancestorTitles: ['faults: memory'],
          title: 'loses no acknowledged event',
          status: 'skipped',
          failureMessages: [],
        },
      ],
    },
  ],
};

const run = {
  generatedAt: '2026-12-02T07:00:00.000Z',
  command: 'pnpm reliability',
  revision: 'abc1234',
  durationSeconds: 60,
  machine: {
    cores: 2,
    memoryGb: 24,
    node: 'v24.21.0',
    loadAverageAtStart: [1, 2, 3],
    loadAverageAtEnd: [3, 2, 1],
  },
};

describe('RELIABILITY.md', () => {
  const results = extractResults(report, run, '/repo');

  it('takes each case’s figures, each file’s time, and the cases that did not run', () => {
    expect(results.scenarios.map((s) => [s.scenario, s.status, s.failure])).toEqual([
      ['broker-pause', 'passed', undefined],
      ['consumer-kill', 'failed', 'AssertionError: acknowledged events never handled'],
    ]);
    expect(results.suites).toEqual([
      {
        file: 'packages/adapter-nats/faults/nats.faults.test.ts',
        seconds: 60,
        passed: 1,
        failed: 1,
        skipped: 0,
      },
      { file: 'packages/testkit/faults/memory.faults.test.ts', seconds: 0, passed: 0, failed: 0, skipped: 1 },
    ]);
    expect(results.notRun).toEqual([
      {
        suite: 'faults: memory',
        title: 'loses no acknowledged event',
        status: 'skipped',
        file: 'packages/testkit/faults/memory.faults.test.ts',
      },
    ]);
  });

  it('prints the command, the date, one row per scenario and a verdict that does not hide a loss', () => {
    const md = reliabilityMd(results);
    expect(md).toContain('by `pnpm reliability`');
    expect(md).toContain('2026-12-02T07:00:00.000Z');
    expect(md).toContain(
      '| nats (nats-server 2.9) | broker-pause | pass | 21,311 | 6,048 | 21,311 | 0 | 0 | 0 | 7.0 | 6.8 | 5.7 | 7.6 | 251 (publisher process) | 18.7 |',
    );
    expect(md).toContain('| **46** |');
    expect(md).toContain('not promised');
    expect(md).toContain('**46 acknowledged events lost; 1 of 2 scenarios failed**');
    expect(md).toContain('failed: 6,048 BUFFER_FULL/retriable; offered 2000/s.');
  });

  it('says 0 lost when nothing was', () => {
    const clean = { ...results, scenarios: results.scenarios.filter((s) => s.status === 'passed') };
    expect(reliabilityMd(clean)).toContain('**0 acknowledged events lost** in all 1 scenarios');
  });

  it('puts a partial run’s files in place of the same files of the full run, and names the update', () => {
    const redisFile = 'packages/adapter-redis/faults/redis.faults.test.ts';
    const partial = {
      ...run,
      generatedAt: '2026-12-02T10:00:00.000Z',
      command: 'pnpm reliability --update -- packages/adapter-redis/faults',
      suites: [{ file: redisFile, seconds: 90, passed: 4, failed: 0, skipped: 0 }],
      scenarios: [
        {
          ...figures,
          transport: 'redis (append-only file)',
          title: 'pause',
          status: 'passed' as const,
          file: redisFile,
        },
      ],
      notRun: [],
    };
    const merged = mergeResults(results, partial);
    expect(merged.suites.map((s) => s.file)).toEqual([
      'packages/adapter-nats/faults/nats.faults.test.ts',
      'packages/testkit/faults/memory.faults.test.ts',
      redisFile,
    ]);
    expect(merged.scenarios.map((s) => s.transport)).toEqual([
      'nats (nats-server 2.9)',
      'nats (nats-server 2.9)',
      'redis (append-only file)',
    ]);
    expect(merged.generatedAt).toBe(run.generatedAt);
    // Run again: the second update replaces the first.
    const again = mergeResults(merged, { ...partial, generatedAt: '2026-12-02T11:00:00.000Z' });
    expect(again.scenarios).toHaveLength(3);
    expect(again.updates?.map((u) => u.generatedAt)).toEqual(['2026-12-02T11:00:00.000Z']);
    expect(reliabilityMd(again)).toContain(
      'Then `pnpm reliability --update -- packages/adapter-redis/faults` (2026-12-02T11:00:00.000Z',
    );
  });
});
