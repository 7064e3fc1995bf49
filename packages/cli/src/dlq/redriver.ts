import type { EventDraft, PublishReceipt } from '@switchyard/core';
import type { Backend } from '../backends/backend.ts';
import type { CliBus, OriginalAttributes } from '../cli-bus.ts';
import { type DeadLetterEntry, deadLetterEntry, REDRIVE_HEADERS } from './dead-letter-entry.ts';
import { findCopies } from './find-copies.ts';
import type { Journal, JournalRecord } from './journal.ts';

export interface RedriveOptions {
  /** Republish here instead of each entry's original topic. */
  readonly to?: string;
  readonly type?: string;
  readonly errorClass?: string;
  /** Only entries dead-lettered at or after this time. */
  readonly since?: Date;
  /** Entries to take at most (moved, or tried). */
  readonly limit: number;
  readonly dryRun: boolean;
  /** Entries journaled and republished together. */
  readonly window: number;
}

/** What happened to one dead letter. */
export type Outcome =
  /** Republished, confirmed by the broker, marked moved. */
  | 'moved'
  /** An interrupted run had republished it: its copy was found in the target, and it is marked moved. */
  | 'recovered'
  /** The same event (id and redrive count) was moved already from another entry: marked moved, not sent again. */
  | 'copy-exists'
  | 'would-move'
  /** NATS refused the republish as a duplicate of a copy still inside the stream's duplicate window. */
  | 'held-back'
  /** The republish failed; the entry stays, and the next run checks the target before sending it again. */
  | 'failed'
  | 'no-dead-letter-headers'
  | 'not-a-cloudevent'
  | 'payload-left-out'
  | 'target-missing';

export interface ItemReport {
  readonly outcome: Outcome;
  readonly position: string;
  readonly id?: string;
  readonly type?: string;
  readonly key?: string;
  readonly to?: string;
  readonly receipt?: PublishReceipt;
  readonly reason?: string;
}

export type Tally = Record<Outcome | 'scanned' | 'matched' | 'alreadyMoved', number>;

export interface RedriveDeps {
  readonly backend: Backend;
  readonly cli: () => Promise<CliBus>;
  readonly journal: Journal;
  readonly signal: AbortSignal;
  /** The dead-letter topic's retention, for the journal topic. */
  readonly retentionMs: number | undefined;
  readonly onItem: (item: ItemReport) => void;
  /**
   * Called after each window's republishes were confirmed and before they are journaled `moved`.
   * The crash tests stop the process here, the worst moment for a crash.
   */
  readonly afterRepublish?: (window: number) => Promise<void>;
  /** Entries looked at so far (read from the topic, and taken or passed by). */
  readonly onProgress: (done: number) => void;
}

interface Planned {
  readonly entry: DeadLetterEntry;
  readonly id: string;
  readonly to: string;
  readonly count: number;
  /** The copy is known to be in the target already: only the bookkeeping is left. */
  readonly copyExists: boolean;
}

/**
 * Moves dead letters back: scans the dead-letter topic once, and for each matching entry writes
 * `moving` to the journal, republishes the event through the bus (original id, key, type, source,
 * time, data and headers, plus a redrive count), and once the broker confirmed it writes `moved`
 * and (NATS) deletes the entry. Entries an earlier run left `moving` are first looked for in their
 * target, so a run after a crash neither loses nor doubles them.
 */
export async function redrive(
  deps: RedriveDeps,
  deadLetterTopic: string,
  options: RedriveOptions,
): Promise<Tally> {
  const { backend, journal, signal } = deps;
  const tally = Object.fromEntries(
    [
      'scanned',
      'matched',
      'alreadyMoved',
      'moved',
      'recovered',
      'copy-exists',
      'would-move',
      'held-back',
      'failed',
      'no-dead-letter-headers',
      'not-a-cloudevent',
      'payload-left-out',
      'target-missing',
    ].map((k) => [k, 0]),
  ) as Tally;
  const report = (item: ItemReport) => {
    tally[item.outcome]++;
    deps.onItem(item);
  };
  const write = async (records: JournalRecord[]) => {
    if (!options.dryRun) await journal.write(await deps.cli(), records, deps.retentionMs);
  };

  // 1. What an interrupted run may have sent already.
  const inFlight = journal.inFlight();
  /** Found in their target just now (a dry run only says so): the scan below passes them by. */
  const recoveredNow = new Set<string>();
  if (inFlight.length > 0) {
    const found = await findCopies(backend, inFlight, signal);
    const recovered = inFlight.filter((r) => found.has(r.position));
    for (const r of recovered) recoveredNow.add(r.position);
    await write(recovered.map((r) => ({ ...r, state: 'moved' as const })));
    for (const r of recovered)
      report({
        outcome: 'recovered',
        position: r.position,
        id: r.id,
        to: r.to,
        reason: `found at ${found.get(r.position)!.position}`,
      });
  }

  // 2. One pass over the dead-letter topic.
  const targets = new Map<string, Promise<boolean>>();
  const targetExists = (topic: string) => {
    let exists = targets.get(topic);
    if (exists === undefined) {
      exists = backend.describeTopic(topic).then((t) => t !== undefined);
      targets.set(topic, exists);
    }
    return exists;
  };
  const planned = new Set<string>();
  const windowed: Planned[] = [];
  let taken = 0;

  let windows = 0;
  const flush = async () => {
    const batch = windowed.splice(0);
    if (batch.length === 0) return;
    windows++;
    const at = new Date().toISOString();
    const toSend = batch.filter((p) => !p.copyExists);
    const journalOf = (
      p: Planned,
      state: JournalRecord['state'],
      receipt?: PublishReceipt,
    ): JournalRecord => ({
      state,
      position: p.entry.record.position,
      id: p.id,
      to: p.to,
      count: p.count,
      at,
      ...(receipt ? { receipt } : {}),
    });
    await write(toSend.map((p) => journalOf(p, 'moving')));
    const cli = await deps.cli();
    const sent = await Promise.allSettled(
      toSend.map((p) => cli.republish(p.to, draftOf(p, deadLetterTopic), originalOf(p))),
    );
    const settled: Array<{ p: Planned; outcome: Outcome; receipt?: PublishReceipt; reason?: string }> = [];
    for (let i = 0; i < toSend.length; i++) {
      const p = toSend[i]!;
      const result = sent[i]!;
      if (result.status === 'rejected') {
        settled.push({ p, outcome: 'failed', reason: (result.reason as Error).message });
      } else if (result.value.duplicate === true) {
        const held = await heldInstead(backend, p, result.value);
        if (held === undefined) settled.push({ p, outcome: 'copy-exists', receipt: result.value });
        else settled.push({ p, outcome: 'held-back', receipt: result.value, reason: held });
      } else {
        settled.push({ p, outcome: 'moved', receipt: result.value });
      }
    }
    for (const p of batch.filter((b) => b.copyExists)) settled.push({ p, outcome: 'copy-exists' });
    await deps.afterRepublish?.(windows);
    await write(
      settled
        .filter((s) => s.outcome !== 'failed') // left `moving`: the next run looks in the target first
        .map((s) => journalOf(s.p, s.outcome === 'held-back' ? 'released' : 'moved', s.receipt)),
    );
    for (const s of settled) {
      if (s.outcome === 'moved' || s.outcome === 'copy-exists')
        await backend.deleteRecord?.(s.p.entry.record);
      const event = s.p.entry.event!;
      report({
        outcome: s.outcome,
        position: s.p.entry.record.position,
        id: s.p.id,
        type: event.type,
        ...(event.key === undefined ? {} : { key: event.key }),
        to: s.p.to,
        ...(s.receipt ? { receipt: s.receipt } : {}),
        ...(s.reason ? { reason: s.reason } : {}),
      });
    }
    deps.onProgress(tally.scanned);
  };

  await backend.read(deadLetterTopic, { from: { kind: 'earliest' }, follow: false, signal }, async (raw) => {
    if (signal.aborted) return false;
    deps.onProgress(tally.scanned - windowed.length);
    tally.scanned++;
    const entry = deadLetterEntry(raw, backend.headerPrefix);
    const id = entry.event?.id;
    if (recoveredNow.has(raw.position) || journal.isMoved(raw.position, id)) {
      if (!recoveredNow.has(raw.position)) tally.alreadyMoved++;
      if (!options.dryRun) await backend.deleteRecord?.(raw); // moved, then interrupted before the delete
      return true;
    }
    if (!matches(entry, options)) return true;
    tally.matched++;
    const where = {
      position: raw.position,
      ...(id === undefined ? {} : { id }),
      ...(entry.event ? { type: entry.event.type } : {}),
    };
    taken++;
    if (entry.event === undefined) {
      report({
        ...where,
        outcome: 'not-a-cloudevent',
        reason: `no ${backend.headerPrefix}id, ${backend.headerPrefix}type or ${backend.headerPrefix}source header`,
      });
    } else if (entry.dead === undefined && options.to === undefined) {
      report({
        ...where,
        outcome: 'no-dead-letter-headers',
        reason: 'no switchyard-dlq-original-topic header says where it came from: pass --to',
      });
    } else if (entry.dead?.truncatedBytes !== undefined) {
      report({
        ...where,
        outcome: 'payload-left-out',
        reason: `its ${entry.dead.truncatedBytes}-byte payload was too large for the dead-letter topic and is not in it`,
      });
    } else {
      const to = options.to ?? entry.dead!.originalTopic;
      if (!(await targetExists(to))) {
        report({ ...where, outcome: 'target-missing', to, reason: `topic ${to} does not exist` });
      } else {
        const count = entry.redrives + 1;
        const copy = `${to} ${entry.event.id} ${count}`;
        const copyExists = journal.hasCopy(to, entry.event.id, count) || planned.has(copy);
        planned.add(copy);
        if (options.dryRun) {
          report({
            ...where,
            outcome: copyExists ? 'copy-exists' : 'would-move',
            to,
            ...(entry.event.key ? { key: entry.event.key } : {}),
          });
        } else {
          windowed.push({ entry, id: entry.event.id, to, count, copyExists });
          if (windowed.length >= options.window) await flush();
        }
      }
    }
    return taken < options.limit;
  });
  if (!signal.aborted) await flush(); // after Ctrl-C, entries not yet journaled are simply not taken
  return tally;
}

function matches(entry: DeadLetterEntry, options: RedriveOptions): boolean {
  if (options.type !== undefined && entry.event?.type !== options.type) return false;
  if (options.errorClass !== undefined && entry.dead?.errorClass !== options.errorClass) return false;
  if (options.since !== undefined && entry.deadLetteredAt < options.since) return false;
  return true;
}

function draftOf(p: Planned, deadLetterTopic: string): EventDraft<Uint8Array> & { id: string } {
  const e = p.entry.event!;
  return {
    id: e.id,
    type: e.type,
    data: p.entry.record.value,
    ...(e.key === undefined ? {} : { key: e.key }),
    ...(e.subject === undefined ? {} : { subject: e.subject }),
    ...(e.tenant === undefined ? {} : { tenant: e.tenant }),
    ...(e.correlationid === undefined ? {} : { correlationId: e.correlationid }),
    ...(e.dataschema === undefined ? {} : { dataschema: e.dataschema }),
    headers: {
      ...e.headers,
      [REDRIVE_HEADERS.count]: String(p.count),
      [REDRIVE_HEADERS.from]: `${deadLetterTopic}@${p.entry.record.position}`,
    },
  };
}

/** What the bus would set or refuse, restored after its checks (`createCliBus`): the time too, as stored. */
function originalOf(p: Planned): OriginalAttributes {
  const e = p.entry.event!;
  return {
    source: e.source,
    datacontenttype: e.datacontenttype,
    ...(e.time === undefined ? {} : { time: e.time }),
  };
}

/**
 * After a "duplicate" answer (NATS drops a publish whose id it stored within the stream's
 * duplicate window): `undefined` when the copy it kept is this very redrive (same id and count,
 * sent by an interrupted run), else why the entry must wait.
 */
async function heldInstead(
  backend: Backend,
  p: Planned,
  receipt: PublishReceipt,
): Promise<string | undefined> {
  const stored = await backend.recordAt?.(p.to, receipt);
  if (
    stored?.headers[`${backend.headerPrefix}id`] === p.id &&
    stored.headers[REDRIVE_HEADERS.count] === String(p.count)
  )
    return undefined;
  const when = stored === undefined ? '' : `, stored ${stored.timestamp.toISOString()}`;
  return (
    `${p.to} already holds event ${p.id} (${receipt.stream ?? ''} seq ${receipt.sequence ?? '?'}${when}) and drops another copy ` +
    "within the stream's duplicate window (2 min by default): run the redrive again once it has passed"
  );
}
