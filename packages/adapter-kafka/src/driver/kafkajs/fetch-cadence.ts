/**
 * When a kafkajs consumer fetches its slow topics (retry topics, whose records are not due for a
 * while after they are written): paused between fetches, opened every `everyMs`, and closed again
 * once every broker's fetcher has sent a fetch that included them and handed its batches over,
 * unless one of those batches came from a slow topic (then it stays open for another round, so a
 * backlog drains at full speed) or that round took `everyMs` or longer (fetches that slow, idle
 * long polls say, already name the slow partitions no more often than the cadence would, and a
 * retry record written meanwhile returns the long poll at once, as without a cadence).
 *
 * kafkajs 2.2.4 runs one fetcher per broker, each in a loop: `FETCH_START`, fetch, hand the batches
 * to `eachBatch` and wait for them, fetch again (a broker with nothing to fetch sleeps
 * `maxWaitTime` in between, still emitting `FETCH_START`). So the first `FETCH_START` of a broker
 * after opening starts a fetch that names the slow partitions it leads, and its second one comes
 * after that fetch's batches went through `eachBatch`. Closing waits for every broker seen fetching
 * since the member joined; one that stopped fetching (leader moved, broker gone) keeps the cadence
 * open, i.e. fetching as if there were no cadence, never less.
 *
 * Closing can drop a slow batch another broker's fetch had in flight (kafkajs drops paused
 * partitions from a response it decodes after the pause); its offset is not resolved, so the
 * records come again at the next opening.
 */
export class FetchCadence {
  /** Whether the slow topics' partitions should be paused right now. */
  private shut = false;
  /** Brokers that fetched since the member joined. */
  private readonly brokers = new Set<number>();
  /** Per broker, the `FETCH_START`s seen since the cadence opened (0, 1, 2 = done). */
  private readonly starts = new Map<number, number>();
  private sawSlowBatch = false;
  private openedAt = 0;
  private timer: NodeJS.Timeout | undefined;

  private readonly everyMs: number;
  private readonly changed: () => void;

  /** `changed` is called whenever `closed` changes; the caller re-applies its paused set. */
  constructor(everyMs: number, changed: () => void) {
    this.everyMs = everyMs;
    this.changed = changed;
  }

  get closed(): boolean {
    return this.shut;
  }

  /** A new generation: open (its first fetches name every partition), brokers counted afresh. */
  joined(): void {
    this.brokers.clear();
    this.reopen();
    if (this.shut) {
      this.shut = false;
      this.changed();
    }
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.tick(), this.everyMs);
      this.timer.unref();
    }
  }

  /** Stopped, crashed or disconnected: no timer, open (nothing to pause without a member). */
  stopped(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.shut = false;
  }

  fetchStarted(broker: number): void {
    this.brokers.add(broker);
    if (this.shut || this.timer === undefined) return;
    this.starts.set(broker, Math.min(2, (this.starts.get(broker) ?? 0) + 1));
    for (const b of this.brokers) if (this.starts.get(b) !== 2) return;
    if (this.sawSlowBatch || performance.now() - this.openedAt >= this.everyMs) {
      this.reopen(); // records came, or fetches are slow anyway: another round before closing
      return;
    }
    this.shut = true;
    this.changed();
  }

  /** A batch of a slow topic reached `eachBatch`. */
  slowBatch(): void {
    this.sawSlowBatch = true;
  }

  private tick(): void {
    if (!this.shut) return;
    this.reopen();
    this.shut = false;
    this.changed();
  }

  private reopen(): void {
    this.openedAt = performance.now();
    this.starts.clear();
    this.sawSlowBatch = false;
  }
}
