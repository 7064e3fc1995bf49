import type { RedisConnection } from './connection.ts';
import type { Entry } from './pending-list.ts';
import { within } from './within.ts';

/** Slack past BLOCK after which a read that returned nothing means the connection died silently. */
const BLOCK_GRACE_MS = 2_000;

/** What a reader connection needs beyond the transport's settings: a client-side bound on blocking reads. */
export function readerOptions(fetchExpiresMs: number): {
  blockingTimeout: number;
  blockingTimeoutGrace: number;
} {
  return { blockingTimeout: fetchExpiresMs, blockingTimeoutGrace: BLOCK_GRACE_MS };
}

/**
 * A group member's blocking reads of new entries (`XREADGROUP … >`), on a connection of its own:
 * a blocked connection serves nobody else. `wake()` ends a blocked read from the shared connection
 * with `CLIENT UNBLOCK`, so the read returns what it has instead of being cut off with the socket.
 */
export class GroupReader {
  readonly #connection: RedisConnection;
  readonly #key: string;
  readonly #group: string;
  readonly #consumer: string;
  readonly #blockMs: number;
  #clientId: number | undefined;

  constructor(connection: RedisConnection, key: string, group: string, consumer: string, blockMs: number) {
    this.#connection = connection;
    this.#key = key;
    this.#group = group;
    this.#consumer = consumer;
    this.#blockMs = blockMs;
  }

  /** Connects; `onReconnect` runs each time the connection is back after a loss. */
  async start(onReconnect: () => void): Promise<void> {
    const client = this.#connection.client;
    await this.#connection.connect();
    this.#clientId = Number(await client.client('ID'));
    client.on('ready', () => {
      onReconnect();
      client.client('ID').then(
        (id) => {
          this.#clientId = Number(id);
        },
        () => undefined,
      );
    });
  }

  /**
   * Up to `count` new entries, waiting up to the block time for the first; null when none came.
   * A read the server never answered (ioredis's client-side bound passed) means the connection is
   * dead without having said so: it is reconnected, and `lost` tells the caller that the reply —
   * entries now in the pending list — went with it.
   */
  async read(count: number): Promise<{ entries: Entry[] | null; lost: boolean }> {
    const started = performance.now();
    const reply = (await this.#connection.client.callBuffer(
      'xreadgroup',
      'GROUP',
      this.#group,
      this.#consumer,
      'COUNT',
      count,
      'BLOCK',
      this.#blockMs,
      'STREAMS',
      this.#key,
      '>',
    )) as Array<[Buffer, Entry[]]> | null;
    if (reply !== null) return { entries: reply[0]![1], lost: false };
    if (performance.now() - started <= this.#blockMs + BLOCK_GRACE_MS / 2)
      return { entries: null, lost: false };
    this.#connection.client.disconnect(true);
    return { entries: null, lost: true };
  }

  /**
   * Wakes a blocked read through `via` (the shared connection), so it returns what it may be
   * taking instead of being cut off; once `loop` (the reads) ended, says goodbye, else just closes.
   * Each wait is bounded by `waitMs`: the server may be gone.
   */
  async close(via: RedisConnection, loop: Promise<void>, waitMs: number): Promise<void> {
    if (this.#clientId !== undefined && via.ready)
      await within(
        via.client.client('UNBLOCK', this.#clientId).catch(() => undefined),
        waitMs,
      );
    const ended = await within(
      loop.then(() => true),
      1_000,
    );
    if (ended === true) await within(this.#connection.quit(), waitMs);
    this.#connection.disconnect();
  }
}
