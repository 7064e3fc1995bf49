import type { Command } from 'commander';
import type { StartAt } from '../backends/backend.ts';
import type { CommandContext } from '../context.ts';
import { decodeRecord } from '../decode.ts';
import { parseCount, parseTime } from '../durations.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { examples, type Runner } from '../program.ts';
import { renderRecord } from '../render-record.ts';

interface TailOptions {
  readonly from: string;
  readonly type?: string;
  readonly key?: string;
  readonly limit?: string;
  readonly follow: boolean;
}

export function registerTail(program: Command, runner: Runner): void {
  program
    .command('tail <topic>')
    .description(
      'print the events of a topic as they arrive, without joining or disturbing any consumer group',
    )
    .option('--from <where>', 'earliest | latest | an ISO time | a duration ago (15m)', 'latest')
    .option('--type <type>', 'only events of this type')
    .option('--key <key>', 'only events with this key')
    .option('-n, --limit <n>', 'stop after this many events')
    .option('--no-follow', 'stop at the end of the topic instead of waiting for more')
    .addHelpText(
      'after',
      `${examples(
        'switchyard tail orders',
        'switchyard tail orders --from earliest --type order.placed --key o-1',
        'switchyard tail orders --from 2026-12-01T09:00:00Z --no-follow --json | jq .data',
        'switchyard tail orders.dlq --from 1h --limit 5',
      )}
Each event shows where it sits, its CloudEvents attributes, key and headers, and its data decoded
with the codec its content type names; a message that is not a Switchyard CloudEvent is shown as
undecodable with its headers and raw value. Kafka reads through a throwaway consumer group of its
own that never commits and is deleted on exit; NATS through an ordered (ephemeral) consumer;
Redis with XRANGE, then XREAD BLOCK to follow, on connections of its own.
Ctrl-C stops tail with exit code 0.
`,
    )
    .action((topic: string, options: TailOptions, command: Command) =>
      runner.run(command, (ctx) => tail(ctx, topic, options)),
    );
}

export function startAt(from: string, option = '--from'): StartAt {
  if (from === 'earliest' || from === 'latest') return { kind: from };
  return { kind: 'time', time: parseTime(from, option) };
}

async function tail(ctx: CommandContext, topic: string, options: TailOptions): Promise<ExitCode> {
  const from = startAt(options.from);
  const limit = options.limit === undefined ? Number.POSITIVE_INFINITY : parseCount(options.limit, '--limit');
  const backend = await ctx.backend();
  if ((await backend.describeTopic(topic)) === undefined) {
    throw await ctx.missingTopic(
      topic,
      `Topic ${topic} does not exist on ${backend.name} (${backend.endpoint}).`,
      'List topics with `switchyard topics`.',
    );
  }
  let shown = 0;
  await backend.read(topic, { from, follow: options.follow, signal: ctx.signal }, (record) => {
    const view = decodeRecord(record, backend.headerPrefix);
    const type = view.decoded ? view.event.type : undefined;
    if (options.type !== undefined && type !== options.type) return true;
    if (options.key !== undefined && view.key !== options.key) return true;
    ctx.out.item(view, () => `${renderRecord(view, ctx.out)}\n`);
    shown++;
    return shown < limit;
  });
  return EXIT.ok; // Ctrl-C is how a follow ends: not a failure
}
