/**
 * Delays between restarts of a group member the client gave up on: `initialMs`, doubling up to
 * `maxMs`; back to `initialMs` once the member has run for `healthyMs` since its last start.
 */
export class RestartBackoff {
  private delayMs: number;
  private upSince: number | undefined;

  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly healthyMs: number;

  constructor(initialMs = 1_000, maxMs = 30_000, healthyMs = 60_000) {
    this.initialMs = initialMs;
    this.maxMs = maxMs;
    this.healthyMs = healthyMs;
    this.delayMs = initialMs;
  }

  /** The member joined at `now`. */
  running(now: number): void {
    this.upSince = now;
  }

  /** The member stopped at `now`: how long to wait before the next restart. */
  next(now: number): number {
    if (this.upSince !== undefined && now - this.upSince >= this.healthyMs) this.delayMs = this.initialMs;
    this.upSince = undefined;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.maxMs);
    return delay;
  }
}
