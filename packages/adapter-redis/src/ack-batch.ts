import type { Redis } from 'ioredis';
import { isGroupGone } from './map-error.ts';

/**
 * Acknowledgements of one group member, sent as one `XACK` per turn of the event loop (one at a
 * time): a thousand handlers finishing together cost one command. An ack that fails leaves its
 * entry pending, so it is redelivered: at-least-once holds.
 */
export class AckBatch {
  readonly #client: Redis;
  readonly #key: string;
  readonly #group: string;
  readonly #onError: (error: unknown) => void;
  #ids: string[] = [];
  #sending: Promise<void> | undefined;

  constructor(client: Redis, key: string, group: string, onError: (error: unknown) => void) {
    this.#client = client;
    this.#key = key;
    this.#group = group;
    this.#onError = onError;
  }

  add(id: string): void {
    this.#ids.push(id);
    if (this.#ids.length === 1) setImmediate(this.#flushSoon);
  }

  readonly #flushSoon = (): void => void this.flush();

  /** Sends what was added (after the XACK in flight); resolves when Redis answered. */
  flush(): Promise<void> {
    const sending = this.#sending;
    if (sending !== undefined) return sending.then(() => this.flush());
    if (this.#ids.length === 0) return Promise.resolve();
    const ids = this.#ids;
    this.#ids = [];
    // Plain callbacks rather than an async function and finally: an XACK per event at low rates.
    const sent = this.#client.xack(this.#key, this.#group, ...ids).then(this.#sent, this.#failed);
    this.#sending = sent;
    return sent;
  }

  readonly #sent = (): void => {
    this.#sending = undefined;
  };

  readonly #failed = (error: unknown): void => {
    this.#sending = undefined;
    // A group that vanished (server restart without persistence) has nothing left to ack.
    if (!isGroupGone(error)) this.#onError(error);
  };
}
