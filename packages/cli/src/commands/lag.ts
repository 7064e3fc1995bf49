import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { Backend, GroupLag } from '../backends/backend.ts';
import type { CommandContext } from '../context.ts';
import { parseDuration } from '../durations.ts';
import { EXIT, type ExitCode, notFound } from '../exit-codes.ts';
import { examples, type Runner } from '../program.ts';

interface LagOptions {
  readonly group?: string;
  readonly watch?: boolean;
  readonly interval: string;
}

export function registerLag(program: Command, runner: Runner): void {
  program
    .command('lag <topic>')
    .description('events published but not yet acknowledged, per consumer group and partition (or stream)')
    .option('-g, --group <group>', 'only this group')
    .option('-w, --watch', 'refresh until Ctrl-C')
    .option('--interval <duration>', 'refresh interval with --watch', '2s')
    .addHelpText(
      'after',
      `${examples('switchyard lag orders', 'switchyard lag orders --group billing --watch', 'switchyard lag orders --json')}
Kafka: high watermark minus the group's committed offset, per partition (a partition the group
never committed on counts everything retained). NATS: the durable consumer's pending plus
ack-pending events. Redis: the group's undelivered entries (XINFO GROUPS lag) plus its pending
list. Groups that never read the topic are not listed.
`,
    )
    .action((topic: string, options: LagOptions, command: Command) =>
      runner.run(command, (ctx) => lag(ctx, topic, options)),
    );
}

async function lag(ctx: CommandContext, topic: string, options: LagOptions): Promise<ExitCode> {
  const interval = parseDuration(options.interval, '--interval');
  const backend = await ctx.backend();
  if ((await backend.describeTopic(topic)) === undefined) {
    throw await ctx.missingTopic(
      topic,
      `Topic ${topic} does not exist on ${backend.name} (${backend.endpoint}).`,
      'List topics with `switchyard topics`.',
    );
  }
  for (;;) {
    const groups = await measure(backend, topic, options.group);
    const report = {
      topic,
      checkedAt: new Date().toISOString(),
      total: groups.reduce((s, g) => s + g.lag, 0),
      groups,
    };
    if (options.watch) {
      if (!ctx.out.json && ctx.streams.stdout.isTTY) ctx.streams.stdout.write('\x1b[2J\x1b[H'); // clear the screen
      ctx.out.item(report, () => render(ctx, report));
      const stopped = await sleep(interval, false, { signal: ctx.signal }).catch(() => true);
      if (stopped) return EXIT.ok; // Ctrl-C ends a watch
    } else {
      ctx.out.result(report, () => ctx.out.line(render(ctx, report)));
      return EXIT.ok;
    }
  }
}

async function measure(backend: Backend, topic: string, group: string | undefined): Promise<GroupLag[]> {
  const groups = await backend.lag(topic, group);
  if (group !== undefined && !groups.some((g) => g.known)) {
    throw notFound(
      'GROUP_NOT_FOUND',
      `Group ${group} has no position on ${topic}: it never committed on it (Kafka) or has no consumer (NATS) or group (Redis) on its stream.`,
      `List the groups reading ${topic} with \`switchyard lag ${topic}\`.`,
    );
  }
  return groups;
}

function render(
  ctx: CommandContext,
  report: { topic: string; checkedAt: string; total: number; groups: GroupLag[] },
): string {
  const { c } = ctx.out;
  if (report.groups.length === 0) return `No consumer group reads ${report.topic}.`;
  const rows = report.groups.flatMap((g) =>
    g.partitions.map((p) => [
      g.group,
      p.partition,
      p.committed ?? '-',
      p.end ?? '-',
      p.lag === 0 ? c.green('0') : c.yellow(String(p.lag)),
    ]),
  );
  const totals = report.groups.map((g) => {
    const extra = g.ackPending === undefined ? '' : ` (${g.ackPending} delivered, not yet acknowledged)`;
    return `${g.group}: ${g.lag === 0 ? c.green('0') : c.yellow(String(g.lag))}${extra}`;
  });
  return [
    `${report.topic} · ${report.checkedAt}`,
    ctx.out.table(['GROUP', 'PARTITION', 'COMMITTED', 'END', 'LAG'], rows, [2, 3, 4]),
    `total lag ${totals.join(', ')}`,
  ].join('\n');
}
