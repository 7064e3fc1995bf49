import type { CommandContext } from '../context.ts';
import { openDeadLetters, scanDeadLetters } from './dlq-common.ts';

export interface ListOptions {
  readonly all?: boolean;
  /** Group by the exact error message, not its shape. */
  readonly exact?: boolean;
}

/**
 * An error message with the parts that vary per event blanked out, so one bug is one group: ids
 * (UUIDs, long hex) become `<id>`, numbers `#`. `card declined for customer-89` → `card declined
 * for customer-#`.
 */
export function messageShape(message: string): string {
  return message
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<id>')
    .replace(/\b[0-9a-f]{16,}\b/gi, '<id>')
    .replace(/\d+(\.\d+)?/g, '#');
}

interface Group {
  originalTopic: string;
  type: string;
  errorClass: string;
  /** The message's shape (or the exact message with `--exact`). */
  errorMessage: string;
  /** One message of the group as it was. */
  example: string;
  reason: string;
  count: number;
  first: string;
  last: string;
}

export async function dlqList(ctx: CommandContext, topic: string, options: ListOptions): Promise<void> {
  const { backend, journal } = await openDeadLetters(ctx, topic);
  const groups = new Map<string, Group>();
  let total = 0;
  await scanDeadLetters(ctx, backend, journal, topic, options.all === true, (entry) => {
    total++;
    const dead = entry.dead;
    const message = dead?.errorMessage ?? '-';
    const group: Omit<Group, 'count' | 'first' | 'last' | 'example'> = {
      originalTopic: dead?.originalTopic ?? '(no dead-letter headers)',
      type: entry.event?.type ?? '(not a CloudEvent)',
      errorClass: dead?.errorClass ?? '-',
      errorMessage: options.exact ? message : messageShape(message),
      reason: dead?.reason ?? '-',
    };
    const key = JSON.stringify(group);
    const at = entry.deadLetteredAt.toISOString();
    const known = groups.get(key);
    if (known === undefined) groups.set(key, { ...group, example: message, count: 1, first: at, last: at });
    else {
      known.count++;
      if (at < known.first) known.first = at;
      if (at > known.last) known.last = at;
    }
    return true;
  });
  const sorted = [...groups.values()].sort((a, b) => b.count - a.count || a.first.localeCompare(b.first));
  const moved = journal.movedCount;
  const report = { topic, total, movedByRedrive: moved, groups: sorted };
  // Kafka keeps moved entries in its log (`--all` shows them); NATS deletes them once moved.
  const hint =
    backend.deleteRecord !== undefined ? '' : options.all ? ' (included above)' : ' (--all shows them)';
  ctx.out.result(report, () => {
    const { c } = ctx.out;
    if (total === 0) {
      ctx.out.line(`${topic}: no dead letters${moved > 0 ? ` (${moved} moved by redrives)` : ''}.`);
      return;
    }
    ctx.out.line(
      ctx.out.table(
        ['ORIGINAL TOPIC', 'TYPE', 'REASON', 'ERROR', 'COUNT', 'FIRST', 'LAST'],
        sorted.map((g) => [
          g.originalTopic,
          g.type,
          g.reason,
          truncate(`${g.errorClass}: ${g.errorMessage}`, 60),
          c.yellow(String(g.count)),
          g.first,
          g.last,
        ]),
        [4],
      ),
    );
    ctx.out.line(
      `${total} dead letter${total === 1 ? '' : 's'} in ${topic}${moved > 0 ? `; ${moved} moved back by redrives${hint}` : ''}.`,
    );
  });
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
