/**
 * Accepted events not yet queued for the transport: those in an asynchronous schema check or in
 * publish middleware. `close()` waits for them, so `publish(e); await bus.close()` sends `e` even
 * when its schema validates asynchronously; before, close found the send queue empty, went on,
 * and the event met a closed transport.
 */
export class Preparing {
  #count = 0;
  #idle: Array<() => void> = [];

  get count(): number {
    return this.#count;
  }

  /** Counts `work` until it settles; returns it unchanged. */
  track<T>(work: Promise<T>): Promise<T> {
    this.#count++;
    const done = (): void => {
      if (--this.#count > 0) return;
      const waiters = this.#idle;
      this.#idle = [];
      for (const resolve of waiters) resolve();
    };
    work.then(done, done);
    return work;
  }

  /** Resolves once nothing is being prepared, or after `timeoutMs` (false then). */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.#count === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.#idle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
