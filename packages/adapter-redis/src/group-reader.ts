import { waitAtMost } from '@switchyard/core/transport';
import type { RedisConnection } from './connection.ts';
import type { Entry } from './pending-list.ts';
import { ConnectionLost, encodeBulk, type ReadConnection } from './read-connection.ts';

/** Slack past BLOCK after which a read that returned nothing means the connection died silently. */
const BLOCK_GRACE_MS = 2_000;

/**
 * A group member's blocking reads of new entries (`XREADGROUP … >`), on a connection of its own:
 * a blocked connection serves nobody else. `close()` ends a blocked read from the shared connection
 * with `CLIENT UNBLOCK`, so the read returns what it has instead of being cut off with the socket.
 */
export class GroupReader {
  readonly #connection: ReadConnection;
  readonly #blockMs: number;
  /** The read in RESP around COUNT's value, which each read fills in: encoded once, not per read. */
  readonly #head: string;
  readonly #tail: string;
  /** The last read's command and count: the credit is the same read after read at low rates. */
  #command = '';
  #count = -1;

  constructor(connection: ReadConnection, key: string, group: string, consumer: string, blockMs: number) {
    this.#connection = connection;
    this.#blockMs = blockMs;
    // XREADGROUP GROUP <group> <consumer> COUNT <count> BLOCK <ms> STREAMS <key> >: 11 arguments.
    this.#head = `*11\r\n${['XREADGROUP', 'GROUP', group, consumer, 'COUNT'].map(encodeBulk).join('')}`;
    this.#tail = ['BLOCK', String(blockMs), 'STREAMS', key, '>'].map(encodeBulk).join('');
  }

  /** Connects; `onReconnect` runs each time the connection is back after a loss. */
  async start(onReconnect: () => void): Promise<void> {
    this.#connection.onReconnect = onReconnect;
    await this.#connection.connect();
  }

  /**
   * Up to `count` new entries, waiting up to the block time for the first; null when none came.
   * A lost connection is opened again first (quietly, every `reconnectWaitMs`). A read the server
   * never answered within the block time and a grace means the connection is dead without having
   * said so: it is dropped, and `lost` tells the caller that the reply — entries now in the pending
   * list — went with it (as it does when the connection closes during a read).
   */
  async read(count: number): Promise<{ entries: Entry[] | null; lost: boolean }> {
    const connection = this.#connection;
    if (!connection.ready && !(await connection.reconnect())) return { entries: null, lost: false };
    if (count !== this.#count) {
      this.#count = count;
      this.#command = this.#head + encodeBulk(String(count)) + this.#tail;
    }
    const command = this.#command;
    const timer = setTimeout(() => connection.drop(), this.#blockMs + BLOCK_GRACE_MS);
    try {
      const reply = (await connection.call(command)) as Array<[Buffer, Entry[]]> | null;
      return { entries: reply === null ? null : reply[0]![1], lost: false };
    } catch (error) {
      if (error instanceof ConnectionLost) return { entries: null, lost: true };
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Wakes a blocked read through `via` (the shared connection), so it returns what it may be
   * taking instead of being cut off; once `loop` (the reads) ended, says goodbye, else just closes.
   * Each wait is bounded by `waitMs`: the server may be gone. Resolves `false` when the server did
   * not answer the wake-up in time (it hangs with the connection open).
   */
  async close(via: RedisConnection, loop: Promise<void>, waitMs: number): Promise<boolean> {
    const id = this.#connection.clientId;
    let answered = true;
    if (id !== undefined && this.#connection.ready && via.ready)
      answered = await waitAtMost(via.client.client('UNBLOCK', id), waitMs);
    if (!answered) {
      this.#connection.disconnect();
      return false;
    }
    // No connection (the server is gone): nothing to say goodbye on, and the loop is waiting for
    // the server, not about to end.
    if (!this.#connection.ready) {
      this.#connection.disconnect();
      return true;
    }
    if (await waitAtMost(loop, 1_000)) await this.#connection.quit(waitMs);
    this.#connection.disconnect();
    return true;
  }
}
