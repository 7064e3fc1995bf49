/**
 * Whether the server hung at a subscription's last stop, for the transport's close: a stop the
 * server did not answer in time makes the close skip its own goodbye (a drain, a QUIT), which would
 * only wait out the same bound again. The latest stop decides (one answered after a brief hang
 * clears it), and only while it is recent: an unanswered stop long before the close says nothing
 * about the server now, and counting it skipped the goodbye of a healthy connection and reported a
 * TIMEOUT for it.
 */
export class UnansweredStops {
  readonly #recentMs: number;
  readonly #now: () => number;
  #unansweredAt: number | undefined;

  /** `recentMs`: how long after it an unanswered stop still counts (the stops' own bound suits). */
  constructor(recentMs: number, now: () => number = () => performance.now()) {
    this.#recentMs = recentMs;
    this.#now = now;
  }

  /** One subscription's stop ended, answered by the server or not. */
  note(unanswered: boolean): void {
    this.#unansweredAt = unanswered ? this.#now() : undefined;
  }

  /** The latest stop went unanswered, within the last `recentMs`. */
  get serverHangs(): boolean {
    return this.#unansweredAt !== undefined && this.#now() - this.#unansweredAt <= this.#recentMs;
  }
}
