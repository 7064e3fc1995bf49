/**
 * Bounds the publishes awaiting their acknowledgement. `acquire` returns undefined when a slot was
 * free (the hot path allocates nothing) or a promise that resolves, in arrival order, once one is.
 */
export class AckWindow {
  readonly size: number;
  #used = 0;
  readonly #waiters: Array<() => void> = [];
  #waitersHead = 0;

  constructor(size: number) {
    this.size = size;
  }

  /** Publishes holding a slot. */
  get used(): number {
    return this.#used;
  }

  /** Publishes waiting for a slot. */
  get waiting(): number {
    return this.#waiters.length - this.#waitersHead;
  }

  acquire(): Promise<void> | undefined {
    if (this.#used < this.size && this.waiting === 0) {
      this.#used++;
      return undefined;
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    if (this.waiting > 0) {
      // The slot passes straight to the next waiter: `used` stays the same.
      const next = this.#waiters[this.#waitersHead++]!;
      if (this.#waitersHead > 1024 && this.#waitersHead * 2 > this.#waiters.length) {
        this.#waiters.splice(0, this.#waitersHead);
        this.#waitersHead = 0;
      }
      next();
      return;
    }
    this.#used--;
  }
}
