/**
 * Entries nacked with a delay: only their ids and next attempt numbers, each with a timer. When a
 * delay passes the id moves to the due list, and `onDue` is called once per turn of the event loop
 * in which ids became due (the consumer takes them back from Redis then).
 */
export class DelayedRedeliveries {
  readonly #waiting = new Map<string, { readonly timer: NodeJS.Timeout; readonly attempt: number }>();
  #due: Array<{ readonly id: string; readonly attempt: number }> = [];
  readonly #onDue: () => void;

  constructor(onDue: () => void) {
    this.#onDue = onDue;
  }

  schedule(id: string, delayMs: number, attempt: number): void {
    const timer = setTimeout(() => {
      this.#waiting.delete(id);
      this.#due.push({ id, attempt });
      if (this.#due.length === 1) setImmediate(this.#onDue);
    }, delayMs);
    this.#waiting.set(id, { timer, attempt });
  }

  /** Forgets an entry (its lease went to another member). */
  cancel(id: string): void {
    const waiting = this.#waiting.get(id);
    if (waiting !== undefined) clearTimeout(waiting.timer);
    this.#waiting.delete(id);
  }

  has(id: string): boolean {
    return this.#waiting.has(id) || this.#due.some((d) => d.id === id);
  }

  /** Ids still waiting for their delay (their leases must be renewed). */
  waiting(): IterableIterator<string> {
    return this.#waiting.keys();
  }

  /** The due entries grouped by attempt number, taken out of the list. */
  takeDue(): Map<number, string[]> {
    const byAttempt = new Map<number, string[]>();
    for (const { id, attempt } of this.#due.splice(0)) {
      const ids = byAttempt.get(attempt) ?? [];
      ids.push(id);
      byAttempt.set(attempt, ids);
    }
    return byAttempt;
  }

  /** Every id, waiting or due, with all timers stopped and the lists emptied. */
  clear(): string[] {
    const ids = [...this.#waiting.keys(), ...this.#due.map((d) => d.id)];
    for (const { timer } of this.#waiting.values()) clearTimeout(timer);
    this.#waiting.clear();
    this.#due = [];
    return ids;
  }
}
