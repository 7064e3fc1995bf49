/**
 * `pnpm reliability` — runs the faults suites and the Kafka certification (the `faults` Vitest
 * project) with a JSON reporter, and writes RELIABILITY.md and results/latest.json from the
 * figures each case reports.
 *
 *   pnpm reliability                      run everything, write RELIABILITY.md
 *   pnpm reliability -- <vitest filters>  run some files (e.g. packages/adapter-nats/faults): writes results/partial.*
 *   pnpm reliability --update -- <filters> the same, then puts those files' rows into results/latest.json and RELIABILITY.md
 *   pnpm reliability --from <report.json> render from an existing Vitest JSON report (e.g. CI's), run nothing
 *
 * Brokers: the suites start their own; they read whether Kafka, NATS and the cluster are installed
 * from infra/.state/env (run `infra/up kafka kafka-cluster nats nats-latest` first).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { reliabilityMd } from './report.ts';
import { extractResults, mergeResults, type ReliabilityResults, type VitestJson } from './results.ts';

const REPO_DIR = resolve(import.meta.dirname, '../..');
const RESULTS_DIR = join(REPO_DIR, 'reliability', 'results');

function revision(): string {
  const git = (...args: string[]) =>
    spawnSync('git', args, { cwd: REPO_DIR, encoding: 'utf8' }).stdout.trim();
  const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
  return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' (with uncommitted changes)' : ''}`;
}

const loadAverage = () => os.loadavg().map((l) => Math.round(l * 100) / 100);

const update = process.argv.includes('--update');
const args = process.argv.slice(2).filter((a) => a !== '--' && a !== '--update');
if (update && args.length === 0) {
  console.error('[reliability] --update needs the files to run (e.g. -- packages/adapter-redis/faults)');
  process.exit(2);
}
const fromIndex = args.indexOf('--from');
const started = Date.now();
const loadAtStart = loadAverage();
let reportFile: string;
let status = 0;
let partial = false;
if (fromIndex >= 0) {
  reportFile = resolve(args[fromIndex + 1] ?? '');
} else {
  partial = args.length > 0;
  mkdirSync(RESULTS_DIR, { recursive: true });
  reportFile = join(RESULTS_DIR, 'vitest.json');
  const vitest = spawnSync(
    join(REPO_DIR, 'node_modules', '.bin', 'vitest'),
    [
      'run',
      '--project',
      'faults',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${reportFile}`,
      ...args,
    ],
    { cwd: REPO_DIR, stdio: 'inherit' },
  );
  status = vitest.status ?? 1;
}

const report = JSON.parse(readFileSync(reportFile, 'utf8')) as VitestJson;
const results = extractResults(
  report,
  {
    generatedAt: new Date().toISOString(),
    command:
      fromIndex >= 0
        ? `pnpm reliability --from ${args[fromIndex + 1]}`
        : `pnpm reliability${update ? ' --update' : ''}${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`,
    revision: revision(),
    durationSeconds:
      fromIndex >= 0
        ? (Math.max(...report.testResults.map((f) => f.endTime)) - report.startTime) / 1000
        : (Date.now() - started) / 1000,
    machine: {
      cores: os.availableParallelism(),
      memoryGb: Math.round(os.totalmem() / 1024 ** 3),
      node: process.version,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: loadAverage(),
    },
  },
  REPO_DIR,
);
if (results.scenarios.length === 0) {
  // Every suite skipped (no broker installed here): writing would replace the report with an empty one.
  console.error(
    '[reliability] no scenario ran, so nothing was written: the suites found no broker installed. Run `bash infra/up kafka kafka-cluster nats nats-latest redis` (it says what is installed), then this again.',
  );
  process.exit(status === 0 ? 1 : status);
}
if (update) partial = true;
const name = partial ? 'partial' : 'latest';
const written = [
  join(RESULTS_DIR, `${name}.json`),
  partial ? join(RESULTS_DIR, 'partial.md') : join(REPO_DIR, 'RELIABILITY.md'),
];
writeFileSync(written[0]!, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(written[1]!, reliabilityMd(results));
if (update) {
  // The full run's file with this run's files in place of theirs.
  const latestFile = join(RESULTS_DIR, 'latest.json');
  const full = JSON.parse(readFileSync(latestFile, 'utf8')) as ReliabilityResults;
  const merged = mergeResults(full, results);
  writeFileSync(latestFile, `${JSON.stringify(merged, null, 2)}\n`);
  writeFileSync(join(REPO_DIR, 'RELIABILITY.md'), reliabilityMd(merged));
  written.push(latestFile, join(REPO_DIR, 'RELIABILITY.md'));
}
// Biome aligns the Markdown tables, so `pnpm lint` accepts the file as written.
spawnSync(join(REPO_DIR, 'node_modules', '.bin', 'biome'), ['format', '--write', ...written], {
  cwd: REPO_DIR,
  stdio: 'ignore',
});
const lost = results.scenarios.reduce((sum, s) => sum + s.lost, 0);
console.info(
  `[reliability] ${results.scenarios.length} scenarios, ${lost} acknowledged events lost; wrote ${written.map((f) => f.slice(REPO_DIR.length + 1)).join(', ')}`,
);
process.exitCode = status;
