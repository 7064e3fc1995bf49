import { EventBusError } from '../errors.ts';

export interface ConnectBackoffOptions {
  /** Wait after the first failed connect, in ms. @default 1000 */
  readonly initialMs?: number;
  /** Longest wait between connects, in ms. @default 30000 */
  readonly maxMs?: number;
}

/**
 * Exponential backoff between connection attempts of a transport. While it runs, callers (every
 * publish, emit and subscribe of an application that keeps trying) fail at once with the last
 * connect error instead of each opening a connection: a wrong password then costs one
 * connection per backoff step, not one per call.
 */
export class ConnectBackoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  #failures = 0;
  #retryAt = 0;
  #lastError: EventBusError | undefined;

  constructor(options: ConnectBackoffOptions = {}) {
    this.#initialMs = options.initialMs ?? 1_000;
    this.#maxMs = options.maxMs ?? 30_000;
  }

  /** The error to fail with now, or `undefined` when a connect may be tried. */
  blocked(now = Date.now()): EventBusError | undefined {
    const last = this.#lastError;
    if (last === undefined || now >= this.#retryAt) return undefined;
    const waitMs = this.#retryAt - now;
    return new EventBusError(
      last.code,
      `${last.message} (not tried again for ${waitMs} ms: backing off after ${this.#failures} failed connect${this.#failures === 1 ? '' : 's'})`,
      { retriable: last.retriable, cause: last, details: { ...last.details, retryInMs: waitMs } },
    );
  }

  /**
   * One connect attempt through the backoff: rejects at once with the last error while the wait
   * runs, else runs `open` and records how it ended. A failure that is not an EventBusError is
   * recorded as `asError` makes it (callers still get the original).
   */
  attempt<T>(open: () => Promise<T>, asError: (error: unknown) => EventBusError): Promise<T> {
    const blocked = this.blocked();
    if (blocked !== undefined) return Promise.reject(blocked);
    return open().then(
      (value) => {
        this.succeeded();
        return value;
      },
      (error: unknown) => {
        this.failed(error instanceof EventBusError ? error : asError(error));
        throw error;
      },
    );
  }

  failed(error: EventBusError, now = Date.now()): void {
    this.#failures++;
    this.#lastError = error;
    this.#retryAt = now + Math.min(this.#maxMs, this.#initialMs * 2 ** (this.#failures - 1));
  }

  succeeded(): void {
    this.#failures = 0;
    this.#retryAt = 0;
    this.#lastError = undefined;
  }

  /** For `health().details`: failed connects in a row and when the next one may be tried. */
  get report(): { readonly failedConnects: number; readonly retryInMs: number } | undefined {
    if (this.#failures === 0) return undefined;
    return { failedConnects: this.#failures, retryInMs: Math.max(0, this.#retryAt - Date.now()) };
  }
}
