/**
 * Counts events and bytes accepted but not yet settled, against the producer's buffer limits.
 * Waiters are served strictly first come, first served, and while anyone waits newcomers queue
 * behind them, so a key's events keep their order even when the buffer is full.
 */
export class BufferGate {
  private usedMessages = 0;
  private usedBytes = 0;
  private readonly waiters: Array<{
    bytes: number;
    grant: (ok: boolean) => void;
    timer: NodeJS.Timeout | undefined;
  }> = [];

  private readonly maxMessages: number;
  private readonly maxBytes: number;

  constructor(maxMessages: number, maxBytes: number) {
    this.maxMessages = maxMessages;
    this.maxBytes = maxBytes;
  }

  get messages(): number {
    return this.usedMessages;
  }

  get bytes(): number {
    return this.usedBytes;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** Takes room for `count` events of `bytes` in total now, or returns false (never queues). */
  tryAcquire(count: number, bytes: number): boolean {
    if (this.waiters.length > 0 || !this.fits(count, bytes)) return false;
    this.usedMessages += count;
    this.usedBytes += bytes;
    return true;
  }

  /** Waits for room for one event, up to `timeoutMs`; resolves false on timeout. */
  acquire(bytes: number, timeoutMs: number): Promise<boolean> {
    if (this.tryAcquire(1, bytes)) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const waiter = {
        bytes,
        grant: resolve,
        timer: undefined as NodeJS.Timeout | undefined,
      };
      waiter.timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index !== -1) this.waiters.splice(index, 1);
        resolve(false);
        this.wake();
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  release(count: number, bytes: number): void {
    this.usedMessages -= count;
    this.usedBytes -= bytes;
    this.wake();
  }

  /** Fails every waiter (on close). */
  rejectWaiters(): void {
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.grant(false);
    }
  }

  private fits(count: number, bytes: number): boolean {
    return this.usedMessages + count <= this.maxMessages && this.usedBytes + bytes <= this.maxBytes;
  }

  private wake(): void {
    while (this.waiters.length > 0 && this.fits(1, this.waiters[0]!.bytes)) {
      const waiter = this.waiters.shift()!;
      clearTimeout(waiter.timer);
      this.usedMessages += 1;
      this.usedBytes += waiter.bytes;
      waiter.grant(true);
    }
  }
}
