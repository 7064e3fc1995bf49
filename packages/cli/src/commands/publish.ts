import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { type EventDraft, isEventBusError } from '@switchyard/core';
import type { Command } from 'commander';
import type { CommandContext } from '../context.ts';
import { parseEvents, parseHeaders } from '../event-input.ts';
import { EXIT, type ExitCode, inputError, notFound, usageError } from '../exit-codes.ts';
import { mapLimit } from '../map-limit.ts';
import { examples, type Runner } from '../program.ts';
import { startProgress } from '../progress.ts';
import { describeReceipt, rate } from '../receipts.ts';

interface PublishOptions {
  readonly type?: string;
  readonly key?: string;
  readonly keyField?: string;
  readonly subject?: string;
  readonly header: string[];
  readonly data?: string;
  readonly file?: string;
  readonly create?: boolean;
}

/** Publishes in flight at once: enough for the bus to batch, few enough to keep receipts in step. */
const IN_FLIGHT = 256;

export function registerPublish(program: Command, runner: Runner): void {
  program
    .command('publish <topic>')
    .description('publish events through a Switchyard bus and print a receipt for each')
    .option('--type <type>', 'event type; each input line is then the data')
    .option('--key <key>', 'ordering key of every event')
    .option('--key-field <field>', "each event's key from this field of its data")
    .option('--subject <subject>', 'CloudEvents subject')
    .option('--header <name=value>', 'a header (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .option('--data <json>', 'the data of one event')
    .option('-f, --file <path>', 'events, one JSON per line ("-" for stdin)')
    .option('--create', 'create the topic if it does not exist (otherwise: exit 3)')
    .addHelpText(
      'after',
      `${examples(
        `switchyard publish orders --type order.placed --key o-1 --data '{"orderId":"o-1","total":42}'`,
        'switchyard publish orders --type order.placed --key-field orderId --file orders.jsonl',
        `echo '{"type":"order.cancelled","key":"o-1","data":{"orderId":"o-1"}}' | switchyard publish orders`,
      )}
Input: without --data, events are read from --file or stdin, one JSON value per line. With --type
a line is the data; without it a line is {"type", "data", "key", "id", "subject", "time",
"tenant", "correlationId", "headers"}. Every line is checked before anything is published.
`,
    )
    .action((topic: string, options: PublishOptions, command: Command) =>
      runner.run(command, (ctx) => publish(ctx, topic, options)),
    );
}

async function publish(ctx: CommandContext, topic: string, options: PublishOptions): Promise<ExitCode> {
  await ctx.checkTopic(topic);
  if (options.key !== undefined && options.keyField !== undefined)
    throw usageError('Give --key or --key-field, not both.');
  const rules = {
    ...(options.type === undefined ? {} : { type: options.type }),
    ...(options.key === undefined ? {} : { key: options.key }),
    ...(options.keyField === undefined ? {} : { keyField: options.keyField }),
    ...(options.subject === undefined ? {} : { subject: options.subject }),
    ...(options.header.length === 0 ? {} : { headers: parseHeaders(options.header) }),
  };
  let events: EventDraft[];
  if (options.data !== undefined) {
    if (options.file !== undefined) throw usageError('Give --data or --file, not both.');
    if (options.type === undefined)
      throw usageError('--data needs --type.', 'e.g. --type order.placed --data \'{"orderId":"o-1"}\'');
    events = parseEvents(options.data, rules, '--data');
  } else if (options.file !== undefined && options.file !== '-') {
    events = parseEvents(await readInput(options.file), rules, options.file);
  } else {
    if (process.stdin.isTTY)
      throw usageError('No events given.', 'Pass --data, --file, or pipe events to stdin, one per line.');
    events = parseEvents(await text(process.stdin), rules, 'stdin');
  }
  if (events.length === 0) throw inputError('No events in the input.');

  const backend = await ctx.backend();
  if (options.create !== true && (await backend.describeTopic(topic)) === undefined) {
    throw notFound(
      'TOPIC_NOT_FOUND',
      `Topic ${topic} does not exist on ${backend.name} (${backend.endpoint}).`,
      `Create it with \`switchyard topics ensure ${topic}\`, or pass --create.`,
    );
  }
  const { bus } = await ctx.bus();
  const progress = startProgress(ctx, `publish ${topic}`, events.length > 1 ? events.length : 0);
  const started = performance.now();
  let failed = 0;
  try {
    await mapLimit(
      events.map((event, index) => ({ event, index })),
      IN_FLIGHT,
      async ({ event, index }) => {
        if (ctx.signal.aborted) return;
        try {
          const receipt = await bus.publish(topic, event);
          progress.item(
            { ok: true, index, type: event.type, key: event.key, ...receipt },
            () =>
              `${ctx.out.c.green('published')} ${receipt.id} ${event.type}${event.key === undefined ? '' : ` key ${event.key}`} → ${describeReceipt(receipt)}`,
          );
        } catch (error) {
          failed++;
          const code = isEventBusError(error) ? error.code : undefined;
          const message = error instanceof Error ? error.message : String(error);
          progress.item(
            { ok: false, index, type: event.type, key: event.key, code, error: message },
            () => `${ctx.out.c.red('failed')}    #${index + 1} ${event.type}: ${code ?? ''} ${message}`,
          );
        }
        progress.tick();
      },
    );
  } finally {
    progress.stop();
  }
  const ms = performance.now() - started;
  const published = events.length - failed;
  if (events.length > 1 || failed > 0) {
    const summary = `${published} published, ${failed} failed, in ${(ms / 1000).toFixed(2)} s (${rate(published, ms)} ev/s)`;
    if (ctx.out.json) ctx.out.note(summary);
    else ctx.out.line(summary);
  }
  if (ctx.signal.aborted) return EXIT.interrupted;
  return failed > 0 ? EXIT.failure : EXIT.ok;
}

async function readInput(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw notFound('FILE_NOT_FOUND', `File ${path} does not exist.`);
    throw error;
  }
}
