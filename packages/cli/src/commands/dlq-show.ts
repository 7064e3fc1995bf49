import type { CommandContext } from '../context.ts';
import { deadLetterOf, decodeRecord } from '../decode.ts';
import { parseCount } from '../durations.ts';
import { notFound } from '../exit-codes.ts';
import { renderRecord } from '../render-record.ts';
import { openDeadLetters, scanDeadLetters } from './dlq-common.ts';

export interface ShowOptions {
  readonly id?: string;
  readonly limit: string;
  readonly all?: boolean;
}

export async function dlqShow(ctx: CommandContext, topic: string, options: ShowOptions): Promise<void> {
  const limit = parseCount(options.limit, '--limit');
  const { backend, journal } = await openDeadLetters(ctx, topic);
  let shown = 0;
  await scanDeadLetters(ctx, backend, journal, topic, options.all === true, (entry) => {
    if (options.id !== undefined && entry.event?.id !== options.id) return true;
    const view = decodeRecord(entry.record, backend.headerPrefix);
    const dead = deadLetterOf(entry.record.headers);
    const moved = journal.isMoved(entry.record.position, entry.event?.id);
    ctx.out.item(
      { ...view, deadLetter: dead ?? null, movedByRedrive: moved },
      () =>
        `${renderRecord(view, ctx.out, { deadLetter: true })}${moved ? `\n${ctx.out.c.green('moved by a redrive')}` : ''}\n`,
    );
    shown++;
    return options.id === undefined && shown < limit;
  });
  if (options.id !== undefined && shown === 0) {
    throw notFound(
      'EVENT_NOT_FOUND',
      `No dead letter with event id ${options.id} in ${topic}${options.all ? '' : ' (moved ones need --all)'}.`,
    );
  }
  if (shown === 0) ctx.out.note(`${topic}: no dead letters.`);
}
