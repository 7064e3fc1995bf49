/**
 * Runs `start` on request, one run at a time, and lets requests share runs: a request made while a
 * run is being prepared or is under way is served by the next run, and a run does not begin while
 * reservations are held (callers still preparing what the run should include). So twenty requests
 * made together cost one run, and a request resolves only after a run that began after it.
 */
export class SharedStarts {
  private current: Promise<void> | undefined;
  private requested = false;
  private reservations = 0;
  private released: (() => void) | undefined;

  private readonly start: () => Promise<void>;

  constructor(start: () => Promise<void>) {
    this.start = start;
  }

  /** Holds the next run until the returned release is called (idempotent). */
  reserve(): () => void {
    this.reservations++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--this.reservations === 0) this.released?.();
    };
  }

  /** Resolves after a run that began after this call; rejects with that run's error. */
  request(): Promise<void> {
    this.requested = true;
    this.current ??= this.runWhileRequested();
    return this.current;
  }

  /** Resolves once no run is under way or asked for (whether the last one succeeded or not). */
  settled(): Promise<void> {
    return (this.current ?? Promise.resolve()).catch(() => undefined);
  }

  private async runWhileRequested(): Promise<void> {
    try {
      for (;;) {
        await new Promise((resolve) => setImmediate(resolve)); // requests of the same turn (Promise.all) come along
        while (this.reservations > 0) await new Promise<void>((resolve) => (this.released = resolve));
        if (!this.requested) return;
        this.requested = false;
        await this.start();
        if (!this.requested) return;
      }
    } finally {
      this.current = undefined; // in the same turn as the last look at `requested`: a later request starts anew
    }
  }
}
