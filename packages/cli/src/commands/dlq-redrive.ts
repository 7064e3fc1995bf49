import type { CommandContext } from '../context.ts';
import { type ItemReport, type Outcome, redrive, type Tally } from '../dlq/redriver.ts';
import { parseCount, parseTime } from '../durations.ts';
import { EXIT, type ExitCode, notFound } from '../exit-codes.ts';
import { startProgress } from '../progress.ts';
import { describeReceipt } from '../receipts.ts';
import { openDeadLetters } from './dlq-common.ts';

export interface RedriveCommandOptions {
  readonly to?: string;
  readonly type?: string;
  readonly errorClass?: string;
  readonly since?: string;
  readonly limit?: string;
  readonly dryRun?: boolean;
  readonly window: string;
}

/** Outcomes that leave an entry in the dead-letter topic although it matched. */
const LEFT: readonly Outcome[] = [
  'held-back',
  'no-dead-letter-headers',
  'not-a-cloudevent',
  'payload-left-out',
  'target-missing',
];

export async function dlqRedrive(
  ctx: CommandContext,
  topic: string,
  options: RedriveCommandOptions,
): Promise<ExitCode> {
  // The dead-letter topic is read (any name its broker has); --to is written to, so a bus's rules apply.
  if (options.to !== undefined) await ctx.checkTopic(options.to);
  const settings = {
    ...(options.to === undefined ? {} : { to: options.to }),
    ...(options.type === undefined ? {} : { type: options.type }),
    ...(options.errorClass === undefined ? {} : { errorClass: options.errorClass }),
    ...(options.since === undefined ? {} : { since: parseTime(options.since, '--since') }),
    limit: options.limit === undefined ? Number.POSITIVE_INFINITY : parseCount(options.limit, '--limit'),
    dryRun: options.dryRun === true,
    window: parseCount(options.window, '--window'),
  };
  const { backend, info, journal } = await openDeadLetters(ctx, topic);
  if (settings.to !== undefined && (await backend.describeTopic(settings.to)) === undefined) {
    throw notFound(
      'TOPIC_NOT_FOUND',
      `Target topic ${settings.to} does not exist.`,
      `Create it with \`switchyard topics ensure ${settings.to}\`.`,
    );
  }
  // The topic's size bounds the entries to look at (on Kafka it includes entries moved before).
  const progress = startProgress(
    ctx,
    settings.dryRun ? `dry run ${topic}` : `redrive ${topic}`,
    info.messages,
  );
  const started = performance.now();
  let tally: Tally;
  try {
    tally = await redrive(
      {
        backend,
        cli: () => ctx.bus(),
        journal,
        signal: ctx.signal,
        retentionMs: info.retentionMs,
        ...hangForCrashTests(ctx),
        onItem: (item) => progress.item({ ...item }, () => renderItem(ctx, item)),
        onProgress: (done) => progress.tick(0, done),
      },
      topic,
      settings,
    );
  } finally {
    progress.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const left = LEFT.reduce((sum, outcome) => sum + tally[outcome], 0);
  const summary = { topic, dryRun: settings.dryRun, seconds: Number(seconds.toFixed(2)), ...tally, left };
  if (ctx.out.json) ctx.out.item({ summary }, () => '');
  else ctx.out.line(renderTally(ctx, summary));
  if (ctx.signal.aborted) return EXIT.interrupted;
  if (tally.failed > 0) return EXIT.failure;
  return left > 0 ? EXIT.partial : EXIT.ok;
}

function renderItem(ctx: CommandContext, item: ItemReport): string {
  const { c } = ctx.out;
  const label: Record<Outcome, (s: string) => string> = {
    moved: c.green,
    recovered: c.green,
    'copy-exists': c.green,
    'would-move': c.cyan,
    'held-back': c.yellow,
    failed: c.red,
    'no-dead-letter-headers': c.yellow,
    'not-a-cloudevent': c.yellow,
    'payload-left-out': c.yellow,
    'target-missing': c.yellow,
  };
  const what = [item.id, item.type, item.key === undefined ? undefined : `key ${item.key}`]
    .filter(Boolean)
    .join(' ');
  const receipt = item.receipt && item.outcome !== 'held-back' ? ` ${describeReceipt(item.receipt)}` : '';
  const where = item.to === undefined ? '' : ` → ${item.to}${receipt}`;
  return `${label[item.outcome](item.outcome.padEnd(12))} ${item.position} ${what}${where}${item.reason ? c.dim(` (${item.reason})`) : ''}`;
}

function renderTally(
  ctx: CommandContext,
  s: Tally & { topic: string; dryRun: boolean; seconds: number; left: number },
): string {
  const { c } = ctx.out;
  const lines = [
    `${s.dryRun ? 'Dry run of' : 'Redrive of'} ${s.topic} in ${s.seconds} s: ${s.scanned} entries read, ${s.matched} matched`,
    s.dryRun ? `  would move        ${s['would-move']}` : `  moved             ${c.green(String(s.moved))}`,
  ];
  const rows: Array<[string, number]> = [
    ['recovered', s.recovered],
    ['already there', s['copy-exists']],
    ['moved before', s.alreadyMoved],
    ['failed', s.failed],
    ['held back', s['held-back']],
    ['no dlq headers', s['no-dead-letter-headers']],
    ['not a CloudEvent', s['not-a-cloudevent']],
    ['payload left out', s['payload-left-out']],
    ['target missing', s['target-missing']],
  ];
  for (const [label, count] of rows) if (count > 0) lines.push(`  ${label.padEnd(18)}${count}`);
  if (s.left > 0)
    lines.push(
      c.yellow(
        `  ${s.left} matching entr${s.left === 1 ? 'y stays' : 'ies stay'} in ${s.topic} (see the lines above)`,
      ),
    );
  if (s.failed > 0)
    lines.push(
      c.red(
        `  ${s.failed} republish(es) failed: run the redrive again; it checks the target before sending them again`,
      ),
    );
  return lines.join('\n');
}

/**
 * `SWITCHYARD_TEST_HANG_AFTER_WINDOW=<n>`: after window n was republished and confirmed, and
 * before it is journaled `moved`, say so on stderr and wait forever, for a test to kill the process
 * with SIGKILL at the worst moment. Unset in normal use.
 */
function hangForCrashTests(ctx: CommandContext): { afterRepublish?: (window: number) => Promise<void> } {
  const at = Number(ctx.env.SWITCHYARD_TEST_HANG_AFTER_WINDOW);
  if (!Number.isSafeInteger(at) || at < 1) return {};
  return {
    afterRepublish: async (window) => {
      if (window !== at) return;
      ctx.out.note(`hanging after window ${window} (SWITCHYARD_TEST_HANG_AFTER_WINDOW)`);
      await new Promise(() => undefined);
    },
  };
}
