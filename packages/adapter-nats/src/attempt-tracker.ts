/**
 * Carries core's attempt count across a broker redelivery. JetStream counts deliveries, but core
 * may retry in process before it hands an event back with `nack({ delayMs, nextAttempt })`; the
 * redelivered event must then report `nextAttempt`, not the broker's smaller delivery count.
 * Remembered per stream sequence in this instance only (bounded): a redelivery that lands on
 * another instance of the group falls back to the delivery count.
 */
export class AttemptTracker {
  readonly #limit: number;
  readonly #bySequence = new Map<number, { readonly next: number; readonly deliveredAt: number }>();

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  get size(): number {
    return this.#bySequence.size;
  }

  /** The attempt number of a delivery: the broker's count, shifted by what core asked for at its last nack. */
  attemptOf(sequence: number, deliveryCount: number): number {
    const entry = this.#bySequence.get(sequence);
    if (entry === undefined) return deliveryCount;
    // Deliveries after the nacked one that core never saw settle (a lost lease, a crash) count too.
    return Math.max(deliveryCount, entry.next + Math.max(0, deliveryCount - entry.deliveredAt - 1));
  }

  nacked(sequence: number, deliveryCount: number, nextAttempt: number | undefined): void {
    if (nextAttempt === undefined) {
      this.#bySequence.delete(sequence);
      return;
    }
    this.#bySequence.delete(sequence);
    this.#bySequence.set(sequence, { next: nextAttempt, deliveredAt: deliveryCount });
    if (this.#bySequence.size > this.#limit) {
      const oldest = this.#bySequence.keys().next().value;
      if (oldest !== undefined) this.#bySequence.delete(oldest);
    }
  }

  settled(sequence: number): void {
    this.#bySequence.delete(sequence);
  }
}
