import type { Command } from 'commander';
import type { CommandContext } from '../context.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { examples, type Runner } from '../program.ts';

export function registerHealth(program: Command, runner: Runner): void {
  program
    .command('health')
    .description("connect to the broker and print the transport's health (exit 1 when not ok)")
    .addHelpText(
      'after',
      examples(
        'switchyard health',
        'switchyard health --json',
        'SWITCHYARD_TRANSPORT=nats NATS_URL=nats://10.0.0.5:4222 switchyard health',
      ),
    )
    .action((_options, command: Command) => runner.run(command, health));
}

async function health(ctx: CommandContext): Promise<ExitCode> {
  const backend = await ctx.backend();
  const { bus } = await ctx.bus();
  const report = await bus.health();
  const cluster = await backend.describeCluster();
  const { transport } = report;
  ctx.out.result({ ...report, endpoint: backend.endpoint, cluster }, () => {
    const { c } = ctx.out;
    ctx.out.line(
      `${report.ok ? c.green('ok') : c.red('not ok')}  ${transport.name} at ${backend.endpoint}: ${transport.state}`,
    );
    for (const [name, value] of Object.entries(cluster)) ctx.out.line(`  ${name}: ${format(value)}`);
    if (transport.lastError !== undefined) ctx.out.line(`  ${c.red('last error')}: ${transport.lastError}`);
  });
  return report.ok ? EXIT.ok : EXIT.failure;
}

function format(value: unknown): string {
  return Array.isArray(value) ? value.join(', ') : String(value);
}
