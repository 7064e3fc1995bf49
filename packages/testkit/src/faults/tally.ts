import { isEventBusError } from '@switchyard/core';

/**
 * Events of a fault case are numbered: `n` is unique within the case, its key is `k<n mod keys>`,
 * and one publisher issues them in increasing `n`, so per key a later event has a larger `n`.
 */
export const keyOf = (n: number, keys: number): string => `k${n % keys}`;

/**
 * What a fault case saw: publishes acknowledged and failed, events handled (how often, in which
 * order per key), and the longest gaps in both. Everything is keyed by the event number `n`.
 */
export class FaultTally {
  readonly keys: number;
  readonly acked = new Set<number>();
  /** Publishes rejected with an EventBusError, by `code/retriable`. */
  readonly failures = new Map<string, number>();
  /** Rejections that are not a retriable EventBusError (each one fails the case). */
  readonly badFailures: string[] = [];
  readonly handled = new Map<number, number>();
  /** Per key, the events in the order they were first handled. */
  readonly #firstHandledByKey = new Map<number, number[]>();
  #lastAckAt = 0;
  #longestAckGapMs = 0;
  #lastFirstHandleAt = 0;
  #longestSettleMs = 0;
  #longestHandleGapMs = 0;

  constructor(keys: number) {
    this.keys = keys;
  }

  get failed(): number {
    let total = 0;
    for (const count of this.failures.values()) total += count;
    return total;
  }

  /** Distinct events handled at least once. */
  get received(): number {
    return this.handled.size;
  }

  /** Events handled more than once. */
  get duplicated(): number {
    let total = 0;
    for (const count of this.handled.values()) if (count > 1) total++;
    return total;
  }

  /** Acknowledged events never handled. */
  lost(): number[] {
    const lost: number[] = [];
    for (const n of this.acked) if (!this.handled.has(n)) lost.push(n);
    return lost;
  }

  allAckedHandled(): boolean {
    for (const n of this.acked) if (!this.handled.has(n)) return false;
    return true;
  }

  /**
   * Acknowledged events handled for the first time after a later acknowledged event of their key.
   * Order is promised for what the publisher was told was stored: an event whose publish was
   * reported failed (a timeout) may still have been written, later, and is left out.
   */
  get orderViolations(): number {
    let violations = 0;
    for (const sequence of this.#firstHandledByKey.values()) {
      let max = -1;
      for (const n of sequence) {
        if (!this.acked.has(n)) continue;
        if (n < max) violations++;
        else max = n;
      }
    }
    return violations;
  }

  get longestAckGapMs(): number {
    return this.#longestAckGapMs;
  }

  get longestHandleGapMs(): number {
    return this.#longestHandleGapMs;
  }

  /** Longest time one publish took to resolve or reject. */
  get longestSettleMs(): number {
    return this.#longestSettleMs;
  }

  settled(ms: number): void {
    this.#longestSettleMs = Math.max(this.#longestSettleMs, ms);
  }

  ack(n: number, at = performance.now()): void {
    this.acked.add(n);
    if (this.#lastAckAt > 0) this.#longestAckGapMs = Math.max(this.#longestAckGapMs, at - this.#lastAckAt);
    this.#lastAckAt = at;
  }

  /** Publishing stopped at `at`: time since the last acknowledgement counts as a gap too. */
  endPublishing(at = performance.now()): void {
    if (this.#lastAckAt > 0) this.#longestAckGapMs = Math.max(this.#longestAckGapMs, at - this.#lastAckAt);
  }

  /** A gap measured elsewhere (a publisher in a child process reports its own). */
  noteAckGap(ms: number): void {
    this.#longestAckGapMs = Math.max(this.#longestAckGapMs, ms);
  }

  fail(n: number, error: unknown): void {
    if (isEventBusError(error) && error.retriable) {
      const label = `${error.code}/retriable`;
      this.failures.set(label, (this.failures.get(label) ?? 0) + 1);
      return;
    }
    const label = isEventBusError(error) ? `${error.code}/not retriable` : 'not an EventBusError';
    this.failures.set(label, (this.failures.get(label) ?? 0) + 1);
    if (this.badFailures.length < 10) this.badFailures.push(`#${n}: ${label}: ${String(error)}`);
  }

  /** Counts a failure reported by a child process, already labelled. */
  failLabelled(label: string, count: number, example?: string): void {
    this.failures.set(label, (this.failures.get(label) ?? 0) + count);
    if (!label.endsWith('/retriable') && example !== undefined && this.badFailures.length < 10)
      this.badFailures.push(example);
  }

  handle(n: number, at = performance.now()): void {
    const seen = this.handled.get(n) ?? 0;
    this.handled.set(n, seen + 1);
    if (seen > 0) return; // a redelivery of an event already handled: allowed out of order
    const key = n % this.keys;
    let sequence = this.#firstHandledByKey.get(key);
    if (sequence === undefined) {
      sequence = [];
      this.#firstHandledByKey.set(key, sequence);
    }
    sequence.push(n);
    if (this.#lastFirstHandleAt > 0)
      this.#longestHandleGapMs = Math.max(this.#longestHandleGapMs, at - this.#lastFirstHandleAt);
    this.#lastFirstHandleAt = at;
  }
}
