import type { Backend } from '../backends/backend.ts';
import { REDRIVE_HEADERS } from './dead-letter-entry.ts';
import type { JournalRecord } from './journal.ts';

/** How far before a journal record's time a copy may carry its broker timestamp (clock skew, batching). */
const CLOCK_MARGIN_MS = 60_000;

/** Where a copy was found. */
export interface FoundCopy {
  readonly topic: string;
  readonly position: string;
}

/**
 * For entries an earlier run left `moving`: looks in each target topic, from a minute before the
 * earliest of them started to the target's current end, for a copy with the same event id and
 * redrive count. Returns the copies found, by the dead letter's position. The scan covers only
 * what arrived in the target since the interrupted run, so it is as long as that traffic.
 */
export async function findCopies(
  backend: Backend,
  inFlight: readonly JournalRecord[],
  signal: AbortSignal,
): Promise<Map<string, FoundCopy>> {
  const found = new Map<string, FoundCopy>();
  const byTarget = Map.groupBy(inFlight, (r) => r.to);
  for (const [to, records] of byTarget) {
    if ((await backend.describeTopic(to)) === undefined) continue; // nothing can be there
    const wanted = new Map(records.map((r) => [`${r.id} ${r.count}`, r]));
    const since = Math.min(...records.map((r) => Date.parse(r.at))) - CLOCK_MARGIN_MS;
    await backend.read(
      to,
      { from: { kind: 'time', time: new Date(since) }, follow: false, signal },
      (raw) => {
        const id = raw.headers[`${backend.headerPrefix}id`];
        const count = raw.headers[REDRIVE_HEADERS.count];
        const record = wanted.get(`${id} ${count}`);
        if (record !== undefined) {
          found.set(record.position, { topic: to, position: raw.position });
          wanted.delete(`${id} ${count}`);
        }
        return wanted.size > 0;
      },
    );
  }
  return found;
}
