import { EventBusError } from '../errors.ts';

/**
 * Reports emits refused because the publish buffer is full without flooding `onError`: the first
 * one of an episode at once, then one summary per interval while they keep failing.
 */
export class OverflowReport {
  #suppressed = 0;
  #topics = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  readonly #report: (error: Error, topic: string) => void;
  readonly #intervalMs: number;

  constructor(report: (error: Error, topic: string) => void, intervalMs = 1_000) {
    this.#report = report;
    this.#intervalMs = intervalMs;
  }

  note(error: Error, topic: string): void {
    if (this.#timer === undefined) {
      this.#report(error, topic);
      this.#arm();
      return;
    }
    this.#suppressed++;
    this.#topics.add(topic);
  }

  /** Reports what is still counted and stops the timer (on close). */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#suppressed === 0) return;
    const topics = [...this.#topics];
    this.#report(
      new EventBusError(
        'BUFFER_FULL',
        `${this.#suppressed} more emits to ${topics.join(', ')} were refused because the publish buffer and its ` +
          'waiting room were full (the broker is slow or down); they were not sent.',
        { retriable: true, details: { refused: this.#suppressed, topics } },
      ),
      topics[0]!,
    );
    this.#suppressed = 0;
    this.#topics = new Set();
  }

  #arm(): void {
    this.#timer = setTimeout(() => {
      const pending = this.#suppressed > 0;
      this.flush();
      if (pending) this.#arm(); // still overflowing: keep summarising once per interval
    }, this.#intervalMs);
    this.#timer.unref();
  }
}
