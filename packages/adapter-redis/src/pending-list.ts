import type { Redis } from 'ioredis';
import { SCRIPT_BATCH, type StreamScripts, withScripts } from './scripts.ts';

/** A stream entry as `…Buffer` commands return it; fields are null for an entry deleted meanwhile. */
export type Entry = [id: Buffer, fields: Buffer[] | null];

/** What a claim brought: the entries with their delivery counts, and ids trimmed while pending. */
export interface Claimed {
  /** Where the next claim continues (`0-0`: the list was scanned to its end). */
  readonly next: string;
  readonly entries: Entry[];
  readonly counts: number[];
  readonly deleted: number;
}

/**
 * What one group member does to the group's pending entries list (PEL), each step one script or
 * command on the shared connection: renew or release its leases, take entries back with their
 * fields, claim expired ones, list its own, remove silent members.
 */
export class PendingList {
  readonly #client: Redis & StreamScripts;
  readonly #key: string;
  readonly #group: string;
  readonly #consumer: string;

  constructor(client: Redis, key: string, group: string, consumer: string) {
    this.#client = withScripts(client);
    this.#key = key;
    this.#group = group;
    this.#consumer = consumer;
  }

  /**
   * Renews the leases of `ids` this member still owns (idle time 0), or sets their idle time
   * (`idleMs`: a release, when past every lease) or delivery count (`retryCount`). Returns the ids
   * it no longer owns: claimed by another member, acknowledged, or trimmed.
   */
  async touch(
    ids: readonly string[],
    options: { idleMs?: number; retryCount?: number } = {},
  ): Promise<string[]> {
    const idle = options.idleMs === undefined ? '' : String(options.idleMs);
    const retryCount = options.retryCount === undefined ? '' : String(options.retryCount);
    const lost: string[] = [];
    for (let i = 0; i < ids.length; i += SCRIPT_BATCH) {
      const chunk = ids.slice(i, i + SCRIPT_BATCH);
      lost.push(
        ...(await this.#client.switchyardTouch(
          this.#key,
          this.#group,
          this.#consumer,
          idle,
          retryCount,
          ...chunk,
        )),
      );
    }
    return lost;
  }

  /** The entries of `ids` this member still owns, with their fields; their delivery count set to `retryCount`, or counted up. */
  async take(ids: readonly string[], retryCount?: number): Promise<Entry[]> {
    const entries: Entry[] = [];
    const count = retryCount === undefined ? '' : String(retryCount);
    for (let i = 0; i < ids.length; i += SCRIPT_BATCH) {
      const chunk = ids.slice(i, i + SCRIPT_BATCH);
      entries.push(
        ...((await this.#client.switchyardTakeBuffer(
          this.#key,
          this.#group,
          this.#consumer,
          count,
          ...chunk,
        )) as Entry[]),
      );
    }
    return entries;
  }

  /** Up to `count` entries idle for at least `minIdleMs` (any member's, this one's too), from `start`. */
  async claim(minIdleMs: number, start: string, count: number): Promise<Claimed> {
    const [next, entries, counts, deleted] = (await this.#client.switchyardClaimBuffer(
      this.#key,
      this.#group,
      this.#consumer,
      Math.floor(minIdleMs),
      start,
      count,
    )) as [Buffer, Entry[], number[], Buffer[]];
    return { next: next.toString('latin1'), entries, counts, deleted: deleted.length };
  }

  /** This member's own pending entries (at most `count`): id and delivery count. */
  async mine(count: number): Promise<Array<{ id: string; deliveries: number }>> {
    const pending = (await this.#client.xpending(
      this.#key,
      this.#group,
      '-',
      '+',
      count,
      this.#consumer,
    )) as Array<[string, string, number, number]>;
    return pending.map(([id, , , deliveries]) => ({ id, deliveries }));
  }

  /**
   * Takes back this member's own pending entries (at most `count`) that `known` does not know —
   * entries whose read reply was lost with a connection — with their fields and attempt numbers
   * (taking one counts one more delivery).
   */
  async takeUnknown(
    count: number,
    known: (id: string) => boolean,
  ): Promise<{ entries: Entry[]; attempts: number[] }> {
    const unknown = (await this.mine(count)).filter(({ id }) => !known(id));
    if (unknown.length === 0) return { entries: [], attempts: [] };
    const attempts = new Map(unknown.map(({ id, deliveries }) => [id, deliveries + 1]));
    const entries = await this.take(unknown.map(({ id }) => id));
    return { entries, attempts: entries.map(([id]) => attempts.get(id.toString('latin1')) ?? 1) };
  }

  /** Removes members with nothing pending that have not read for `idleMs`, and this one too with `leaving`. */
  prune(idleMs: number, leaving = false): Promise<string[]> {
    return this.#client.switchyardPrune(this.#key, this.#group, idleMs, leaving ? this.#consumer : '');
  }
}
