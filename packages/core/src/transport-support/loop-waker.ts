/**
 * Where a transport's read loop waits: until something it waits for changes (`untilPoked`, ended
 * by `poke`: credit freed, resumed, closed) or through a backoff (`sleep`, ended early by
 * `endSleep`, e.g. on close). One waiter of each kind at a time, as a loop has.
 */
export class LoopWaker {
  #wake: (() => void) | undefined;
  #endSleep: (() => void) | undefined;

  /** Resolves at the next `poke`. */
  untilPoked(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
  }

  /** Ends the current `untilPoked` wait, if any; a poke with no one waiting is dropped. */
  poke(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Resolves after `ms`, or at `endSleep`. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#endSleep = () => {
        this.#endSleep = undefined;
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Ends the current `sleep`, if any. */
  endSleep(): void {
    this.#endSleep?.();
  }
}
