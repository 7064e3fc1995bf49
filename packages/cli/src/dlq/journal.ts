import type { PublishReceipt } from '@switchyard/core';
import type { Backend } from '../backends/backend.ts';
import type { CliBus } from '../cli-bus.ts';
import { decodeRecord } from '../decode.ts';

/**
 * The redrive journal of a dead-letter topic: `<dead-letter topic>.redrive`, a topic of
 * CloudEvents the CLI writes through its bus, one partition, keyed by the dead letter's position.
 *
 * - `moving` is written (and confirmed by the broker) before an entry is republished;
 * - `moved` after the republish is confirmed: the entry is done, every later run skips it;
 * - `released` when the broker provably stored nothing (NATS dropped the republish as a duplicate
 *   of the original still inside its duplicate window): the entry is pending again.
 *
 * An entry left `moving` by a run that was killed may or may not have reached its target; the next
 * run looks for it there (same event id and redrive count) before republishing anything.
 */
export const JOURNAL_TYPES = {
  moving: 'switchyard.redrive.moving',
  moved: 'switchyard.redrive.moved',
  released: 'switchyard.redrive.released',
} as const;

export type JournalState = keyof typeof JOURNAL_TYPES;

export interface JournalRecord {
  readonly state: JournalState;
  /** The dead letter's position in its topic (`partition:offset`, or the stream sequence). */
  readonly position: string;
  /** The event id: a position reused by a re-created topic does not match an old record. */
  readonly id: string;
  /** Where it is (being) republished. */
  readonly to: string;
  /** The redrive count the republished copy carries. */
  readonly count: number;
  /** When the republish started (ISO time); where a later run looks for it. */
  readonly at: string;
  readonly receipt?: PublishReceipt;
}

export function journalTopic(deadLetterTopic: string): string {
  return `${deadLetterTopic}.redrive`;
}

export class Journal {
  readonly topic: string;
  /** The latest record per position. */
  readonly #latest = new Map<string, JournalRecord>();
  /** `<to> <id> <count>` of every copy known to be in its target. */
  readonly #copies = new Set<string>();
  #exists: boolean;

  private constructor(topic: string, exists: boolean) {
    this.topic = topic;
    this.#exists = exists;
  }

  /** Reads the whole journal (it holds two small records per moved entry). */
  static async load(backend: Backend, deadLetterTopic: string): Promise<Journal> {
    const topic = journalTopic(deadLetterTopic);
    const exists = (await backend.describeTopic(topic)) !== undefined;
    const journal = new Journal(topic, exists);
    if (!exists) return journal;
    await backend.read(topic, { from: { kind: 'earliest' }, follow: false }, (raw) => {
      const view = decodeRecord(raw, backend.headerPrefix);
      if (view.decoded && Object.values(JOURNAL_TYPES).includes(view.event.type as never))
        journal.#apply(view.data as JournalRecord);
      return true;
    });
    return journal;
  }

  /** The entry at `position` with event `id` was moved by an earlier run. */
  isMoved(position: string, id: string | undefined): boolean {
    const last = this.#latest.get(position);
    return last !== undefined && last.state === 'moved' && last.id === id;
  }

  /** Entries an earlier run started to move and never finished (killed, or the republish failed). */
  inFlight(): JournalRecord[] {
    return [...this.#latest.values()].filter((r) => r.state === 'moving');
  }

  /** `to` holds the copy of event `id` with redrive count `count` (moved from any entry). */
  hasCopy(to: string, id: string, count: number): boolean {
    return this.#copies.has(`${to} ${id} ${count}`);
  }

  get movedCount(): number {
    return [...this.#latest.values()].filter((r) => r.state === 'moved').length;
  }

  /** Writes records and waits until the broker confirmed every one. */
  async write(
    cli: CliBus,
    records: readonly JournalRecord[],
    retentionMs: number | undefined,
  ): Promise<void> {
    if (records.length === 0) return;
    if (!this.#exists) {
      await cli.bus.ensureTopic({
        name: this.topic,
        partitions: 1,
        strategy: 'create-only',
        ...(retentionMs !== undefined && retentionMs > 0 ? { retentionMs } : {}),
      });
      this.#exists = true;
    }
    await Promise.all(
      records.map((record) =>
        cli.bus.publish(this.topic, {
          type: JOURNAL_TYPES[record.state],
          key: record.position,
          data: record,
        }),
      ),
    );
    for (const record of records) this.#apply(record);
  }

  #apply(record: JournalRecord): void {
    this.#latest.set(record.position, record);
    if (record.state === 'moved') this.#copies.add(`${record.to} ${record.id} ${record.count}`);
  }
}
