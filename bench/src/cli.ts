// pnpm bench [scenario...] [--transport memory,kafka,nats] [--quick] [--runs N]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { RunContext } from './context.ts';
import { BENCH_DIR, loadBrokerEnv, REPO_DIR } from './env.ts';
import { machineFacts } from './machine.ts';
import { writeResults } from './report/write.ts';
import { EMPTY_FIGURES, type Results } from './results.ts';
import { SCENARIOS } from './scenarios/index.ts';
import { loadTransport, TRANSPORTS } from './subjects/registry.ts';

interface Args {
  scenarios: string[];
  transports: string[];
  quick: boolean;
  runs: number | undefined;
  update: boolean;
  reportOnly: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    scenarios: [],
    transports: [...TRANSPORTS],
    quick: false,
    runs: undefined,
    update: false,
    reportOnly: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') args.quick = true;
    else if (a === '--transport' || a === '--transports')
      args.transports = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a.startsWith('--transport=')) args.transports = a.slice(12).split(',').filter(Boolean);
    else if (a === '--runs') args.runs = Number(argv[++i]);
    else if (a === '--update') args.update = true;
    else if (a === '--report') args.reportOnly = true;
    else if (a === '--help' || a === '-h') {
      console.log(
        `pnpm bench [scenario...] [--transport ${TRANSPORTS.join(',')}] [--quick] [--runs N]\n` +
          `scenarios: ${SCENARIOS.map((s) => s.id).join(', ')} (default: all)\n` +
          'A full run of every scenario and transport writes bench/results/ and BENCHMARKS.md; --quick writes\n' +
          'bench/results/quick/, a partial run bench/results/partial/. A partial run with --update replaces the\n' +
          'rows of its scenario families and transports in bench/results/latest.json and regenerates BENCHMARKS.md.\n' +
          '--report measures nothing: it rewrites the tables, charts and BENCHMARKS.md from bench/results/latest.json.',
      );
      process.exit(0);
    } else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else args.scenarios.push(a);
  }
  for (const t of args.transports)
    if (!TRANSPORTS.includes(t)) throw new Error(`unknown transport ${t}; known: ${TRANSPORTS.join(', ')}`);
  for (const s of args.scenarios) {
    if (!SCENARIOS.some((x) => x.id === s))
      throw new Error(`unknown scenario ${s}; known: ${SCENARIOS.map((x) => x.id).join(', ')}`);
  }
  return args;
}

const loadAverage = () => os.loadavg().map((l) => Math.round(l * 100) / 100);

async function main(): Promise<void> {
  const argv = process.argv.slice(2).filter((a) => a !== '--');
  const args = parseArgs(argv);
  if (args.reportOnly) {
    const written = writeResults(readLatest(), {
      dir: join(BENCH_DIR, 'results'),
      benchmarksMd: join(REPO_DIR, 'BENCHMARKS.md'),
      scenarios: SCENARIOS,
    });
    console.log(`rewrote ${written.join(', ')} from bench/results/latest.json`);
    return;
  }
  const started = Date.now();
  const loadAtStart = loadAverage();
  const revision = gitRevision();
  const env = loadBrokerEnv();
  const runs = args.runs ?? (args.quick ? 1 : 3);
  const ctx = new RunContext({ quick: args.quick, runs, env });
  const scenarios =
    args.scenarios.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => args.scenarios.includes(s.id));
  const full =
    !args.quick && args.scenarios.length === 0 && TRANSPORTS.every((t) => args.transports.includes(t));

  ctx.log(
    `switchyard bench: ${scenarios.map((s) => s.id).join(', ')} on ${args.transports.join(', ')}; ${runs} run(s) each${args.quick ? ' (quick)' : ''}`,
  );
  const transports: Record<string, { ok: boolean; info: string }> = {};
  const brokers: Record<string, string> = {};
  const used = args.transports.filter((t) => scenarios.some((s) => s.transports.includes(t)));
  for (const t of used) {
    const probe = await (await loadTransport(t)).probe(env);
    transports[t] = probe.ok ? { ok: true, info: probe.version } : { ok: false, info: probe.reason };
    if (probe.ok) brokers[t] = probe.version;
    ctx.log(`transport ${t}: ${probe.ok ? `ready — ${probe.version}` : `skipped — ${probe.reason}`}`);
  }

  const stopping = () => {
    ctx.log('interrupted: stopping workers…');
    ctx.stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopping);
  process.once('SIGTERM', stopping);

  for (const scenario of scenarios) {
    for (const t of scenario.transports.filter((x) => args.transports.includes(x))) {
      ctx.scenario = scenario.id;
      if (!transports[t]?.ok) {
        ctx.add({
          family: scenario.family,
          subject: '(all)',
          subjectId: '*',
          kind: 'switchyard',
          transport: t,
          payloadBytes: 0,
          messages: 0,
          runs: 0,
          config: {},
          ...EMPTY_FIGURES,
          skipped: transports[t]?.info ?? 'transport not probed',
        });
        continue;
      }
      ctx.log(`── scenario ${scenario.id} on ${t}`);
      try {
        await scenario.run(ctx, t);
      } catch (error) {
        ctx.log(
          `scenario ${scenario.id} on ${t} failed: ${error instanceof Error ? error.stack : String(error)}`,
        );
      } finally {
        await ctx.stopAll();
        const module = await loadTransport(t);
        const deleted = (await module.cleanup?.(env, `_${ctx.runId}_`)) ?? 0;
        if (deleted > 0) ctx.log(`deleted ${deleted} ${t} topic(s) this scenario created`);
      }
    }
  }

  const measured: Results = {
    generatedAt: new Date().toISOString(),
    command: `pnpm bench${argv.length > 0 ? ` ${argv.join(' ')}` : ''}`,
    quick: args.quick,
    durationSec: Math.round((Date.now() - started) / 1000),
    revision,
    machine: { ...machineFacts(brokers), loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadAverage() },
    transports,
    rows: ctx.rows,
  };
  const update = args.update && !args.quick && !full;
  const results = update
    ? mergeInto(
        readLatest(),
        measured,
        scenarios.map((s) => s.family),
        used,
      )
    : measured;
  const dir = join(BENCH_DIR, 'results', full || update ? '' : args.quick ? 'quick' : 'partial');
  const written = writeResults(results, {
    dir,
    benchmarksMd: full || update ? join(REPO_DIR, 'BENCHMARKS.md') : undefined,
    scenarios: update ? SCENARIOS : scenarios,
  });
  ctx.log(`done in ${measured.durationSec} s; wrote ${written.join(', ')}`);
  const failed = ctx.rows.filter((r) => r.skipped?.startsWith('failed'));
  if (failed.length > 0) ctx.log(`${failed.length} row(s) failed; see "skipped" in latest.json`);
}

function gitRevision(): string {
  try {
    const git = (...a: string[]) =>
      execFileSync('git', a, { cwd: REPO_DIR, encoding: 'utf8', timeout: 10_000 }).trim();
    const dirty = git('status', '--porcelain', '--untracked-files=no', '--', 'packages', 'bench/src') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? '+dirty' : ''}`;
  } catch {
    return 'unknown';
  }
}

function readLatest(): Results {
  const path = join(BENCH_DIR, 'results', 'latest.json');
  if (!existsSync(path))
    throw new Error('--update needs a full run first: bench/results/latest.json does not exist');
  return JSON.parse(readFileSync(path, 'utf8')) as Results;
}

/** The earlier full run with the rows of the re-measured families and transports replaced. */
function mergeInto(
  base: Results,
  next: Results,
  families: readonly string[],
  transports: readonly string[],
): Results {
  const replaced = (r: { family: string; transport: string }) =>
    families.includes(r.family) && transports.includes(r.transport);
  return {
    ...base,
    transports: { ...base.transports, ...next.transports },
    rows: [...base.rows.filter((r) => !replaced(r)), ...next.rows],
    updates: [
      // An earlier update whose rows this one replaces entirely is no longer the source of any table.
      ...(base.updates ?? []).filter(
        (u) =>
          !(
            u.families.every((f) => families.includes(f)) && u.transports.every((t) => transports.includes(t))
          ),
      ),
      {
        command: next.command,
        generatedAt: next.generatedAt,
        durationSec: next.durationSec,
        families: [...families],
        transports: [...transports],
        loadAverageAtStart: next.machine.loadAverageAtStart,
        ...(next.revision === undefined ? {} : { revision: next.revision }),
      },
    ],
  };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
