import type { Command } from 'commander';
import { examples, type Runner } from '../program.ts';
import { dlqList, type ListOptions } from './dlq-list.ts';
import { dlqRedrive, type RedriveCommandOptions } from './dlq-redrive.ts';
import { dlqShow, type ShowOptions } from './dlq-show.ts';

export function registerDlq(program: Command, runner: Runner): void {
  const dlq = program
    .command('dlq')
    .description('inspect dead-letter topics and move their events back (list, show, redrive)');

  dlq
    .command('list <dlq-topic>')
    .description(
      'dead letters grouped by original topic, event type and error, with counts and first/last time',
    )
    .option('--all', 'include entries an earlier redrive moved')
    .option('--exact', 'group by the exact error message (default: numbers and ids blanked out)')
    .addHelpText(
      'after',
      examples('switchyard dlq list orders.dlq', 'switchyard dlq list orders.dlq --json | jq ".groups[0]"'),
    )
    .action((topic: string, options: ListOptions, command: Command) =>
      runner.run(command, (ctx) => dlqList(ctx, topic, options)),
    );

  dlq
    .command('show <dlq-topic>')
    .description('dead letters with their reason, error, origin and data')
    .option('--id <event-id>', 'only the entry of this event id (exit 3 if there is none)')
    .option('-n, --limit <n>', 'at most this many entries', '20')
    .option('--all', 'include entries an earlier redrive moved')
    .addHelpText(
      'after',
      examples(
        'switchyard dlq show orders.dlq --limit 5',
        'switchyard dlq show orders.dlq --id 01a2356d-74f0-7000-8ee3-0b46781aa390',
      ),
    )
    .action((topic: string, options: ShowOptions, command: Command) =>
      runner.run(command, (ctx) => dlqShow(ctx, topic, options)),
    );

  dlq
    .command('redrive <dlq-topic>')
    .description(
      'republish dead letters to their original topic (or --to), with their original id, key, type and data',
    )
    .option('--to <topic>', 'republish here instead of each entry’s original topic')
    .option('--type <type>', 'only events of this type')
    .option('--error-class <class>', 'only entries that failed with this error class (e.g. TypeError)')
    .option('--since <time>', 'only entries dead-lettered since this ISO time or duration ago (2h)')
    .option('-n, --limit <n>', 'take at most this many entries')
    .option('--dry-run', 'say what would be moved, change nothing')
    .option('--window <n>', 'entries journaled and republished together', '100')
    .addHelpText(
      'after',
      `${examples(
        'switchyard dlq redrive orders.dlq --dry-run',
        'switchyard dlq redrive orders.dlq --error-class Error --since 2h',
        'switchyard dlq redrive orders.dlq --type order.placed --to orders.replay --limit 100',
      )}
Each event goes back with its original id, key, type, source, time, headers and data (byte for
byte), plus switchyard-redrive-count (1 on its first redrive) and switchyard-redrive-from.
Nothing is lost: an entry is marked moved (and on NATS and Redis deleted from the dead-letter
stream) only after the broker confirmed its republish. Nothing is doubled: the run journals each
entry in <dlq-topic>.redrive before sending it, so a run after Ctrl-C or a crash first looks for
the entries that were in flight in their target topic (same id and redrive count) and sends only
those that are not there. Run one redrive per dead-letter topic at a time.
Exit 0 when every matching entry was moved, 6 when some could not be (no dead-letter headers,
payload left out, NATS duplicate window), 1 when a republish failed.
`,
    )
    .action((topic: string, options: RedriveCommandOptions, command: Command) =>
      runner.run(command, (ctx) => dlqRedrive(ctx, topic, options)),
    );
}
