import type { FaultFigures } from '@switchyard/testkit';

/** The subset of Vitest's JSON report this package reads. */
export interface VitestJson {
  readonly startTime: number;
  readonly testResults: ReadonlyArray<{
    readonly name: string;
    readonly startTime: number;
    readonly endTime: number;
    readonly assertionResults: ReadonlyArray<{
      readonly ancestorTitles: readonly string[];
      readonly title: string;
      readonly status: string;
      readonly duration?: number | null;
      readonly failureMessages: readonly string[];
      readonly meta?: { readonly faultFigures?: FaultFigures };
    }>;
  }>;
}

export interface ScenarioResult extends FaultFigures {
  readonly title: string;
  /** The test file it ran in (repository-relative); absent in results written before `--update` existed. */
  readonly file?: string;
  readonly status: 'passed' | 'failed';
  /** The first line of the failure, when it failed. */
  readonly failure?: string;
}

export interface ReliabilityResults {
  readonly generatedAt: string;
  readonly command: string;
  readonly revision: string;
  readonly durationSeconds: number;
  readonly machine: {
    readonly cores: number;
    readonly memoryGb: number;
    readonly node: string;
    readonly loadAverageAtStart: readonly number[];
    readonly loadAverageAtEnd: readonly number[];
  };
  /** Each test file of the run, with its wall time. */
  readonly suites: ReadonlyArray<{
    readonly file: string;
    readonly seconds: number;
    readonly passed: number;
    readonly failed: number;
    readonly skipped: number;
  }>;
  readonly scenarios: readonly ScenarioResult[];
  /** Cases that did not run here, and cases that failed before reporting figures. */
  readonly notRun: ReadonlyArray<{
    readonly suite: string;
    readonly title: string;
    readonly status: string;
    readonly file?: string;
  }>;
  /** Later partial runs (`--update`) whose suites replaced this run's suites of the same files. */
  readonly updates?: ReadonlyArray<RunInfo & { readonly files: readonly string[] }>;
}

/** When, how and where one run was made. */
export type RunInfo = Pick<
  ReliabilityResults,
  'generatedAt' | 'command' | 'revision' | 'durationSeconds' | 'machine'
>;

/** Picks the fault figures, suite times and skipped cases out of a Vitest JSON report. */
export function extractResults(
  report: VitestJson,
  run: Omit<ReliabilityResults, 'suites' | 'scenarios' | 'notRun'>,
  repoDir: string,
): ReliabilityResults {
  const suites: Array<ReliabilityResults['suites'][number]> = [];
  const scenarios: ScenarioResult[] = [];
  const notRun: Array<ReliabilityResults['notRun'][number]> = [];
  for (const file of report.testResults) {
    const name = file.name.startsWith(`${repoDir}/`) ? file.name.slice(repoDir.length + 1) : file.name;
    const count = (status: string) => file.assertionResults.filter((a) => a.status === status).length;
    suites.push({
      file: name,
      seconds: Math.round((file.endTime - file.startTime) / 100) / 10,
      passed: count('passed'),
      failed: count('failed'),
      skipped: file.assertionResults.length - count('passed') - count('failed'),
    });
    for (const test of file.assertionResults) {
      const figures = test.meta?.faultFigures;
      const suite = test.ancestorTitles.join(' › ');
      if (figures === undefined) {
        notRun.push({ suite, title: test.title, status: test.status, file: name });
        continue;
      }
      const failure = test.failureMessages[0]?.split('\n')[0];
      scenarios.push({
        ...figures,
        title: test.title,
        file: name,
        status: test.status === 'passed' ? 'passed' : 'failed',
        ...(failure === undefined ? {} : { failure }),
      });
    }
  }
  return { ...run, suites, scenarios, notRun };
}

/**
 * A full run's results with the suites of a partial run put in place of the same files' (`pnpm
 * reliability --update -- <files>`): the partial run's suites, scenarios and skipped cases replace
 * those of its files (and, in results older than per-scenario files, the scenarios of its
 * transports); the rest of the full run stays, and the update is listed.
 */
export function mergeResults(full: ReliabilityResults, partial: ReliabilityResults): ReliabilityResults {
  const files = new Set(partial.suites.map((s) => s.file));
  const transports = new Set(partial.scenarios.map((s) => s.transport));
  const replaced = (s: { readonly file?: string }, transport?: string) =>
    s.file === undefined ? transport !== undefined && transports.has(transport) : files.has(s.file);
  const { suites, scenarios, notRun, updates: _, ...run } = partial;
  return {
    ...full,
    suites: [...full.suites.filter((s) => !files.has(s.file)), ...suites],
    scenarios: [...full.scenarios.filter((s) => !replaced(s, s.transport)), ...scenarios],
    notRun: [
      ...full.notRun.filter((n) =>
        n.file === undefined
          ? !notRun.some((m) => m.suite === n.suite && m.title === n.title)
          : !files.has(n.file),
      ),
      ...notRun,
    ],
    updates: [
      ...(full.updates ?? [])
        .map((u) => ({ ...u, files: u.files.filter((f) => !files.has(f)) }))
        .filter((u) => u.files.length > 0),
      { ...run, files: [...files] },
    ],
  };
}
