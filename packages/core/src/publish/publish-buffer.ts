import { EventBusError } from '../errors.ts';

/** The publish buffer's limits (`EventBusOptions.publishBuffer`, resolved). */
export interface PublishBufferLimits {
  readonly maxMessages: number;
  readonly maxBytes: number;
  readonly whenFull: 'wait' | 'fail';
  /** Publishes allowed to wait for room at once; beyond it they fail fast (BUFFER_FULL). */
  readonly maxWaitingMessages: number;
  /** Encoded bytes those waiting publishes may hold. */
  readonly maxWaitingBytes: number;
}

interface Waiter {
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * Bounds what the bus has handed to the transport but the broker has not yet confirmed, by
 * count and bytes. When full, `reserve` waits for room (or fails fast with BUFFER_FULL); the
 * waiting publishes are bounded too, so a stalled broker costs bounded memory whatever the
 * publisher does.
 */
export class PublishBuffer {
  #messages = 0;
  #bytes = 0;
  /** First come, first served; an array with a head index, so taking the first costs O(1). */
  #waiters: Array<Waiter | undefined> = [];
  #head = 0;
  #waitingBytes = 0;

  readonly maxMessages: number;
  readonly maxBytes: number;
  readonly whenFull: 'wait' | 'fail';
  readonly maxWaitingMessages: number;
  readonly maxWaitingBytes: number;

  constructor(limits: PublishBufferLimits) {
    this.maxMessages = limits.maxMessages;
    this.maxBytes = limits.maxBytes;
    this.whenFull = limits.whenFull;
    this.maxWaitingMessages = limits.maxWaitingMessages;
    this.maxWaitingBytes = limits.maxWaitingBytes;
  }

  get messages(): number {
    return this.#messages;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Publishes waiting for room. */
  get waiting(): number {
    return this.#waiters.length - this.#head;
  }

  /** Encoded bytes of the publishes waiting for room. */
  get waitingBytes(): number {
    return this.#waitingBytes;
  }

  /** Takes room for one event; returns undefined when it fit at once, or a promise when it must wait. */
  reserve(bytes: number): Promise<void> | undefined {
    if (this.waiting === 0 && this.#fits(bytes)) {
      this.#take(bytes);
      return undefined;
    }
    if (this.whenFull === 'fail') return Promise.reject(this.#full());
    if (this.waiting >= this.maxWaitingMessages || this.#waitingBytes + bytes > this.maxWaitingBytes)
      return Promise.reject(this.#full(true));
    this.#waitingBytes += bytes;
    return new Promise((resolve, reject) => this.#waiters.push({ bytes, resolve, reject }));
  }

  release(bytes: number): void {
    this.#messages--;
    this.#bytes -= bytes;
    while (this.#head < this.#waiters.length && this.#fits(this.#waiters[this.#head]!.bytes)) {
      const waiter = this.#waiters[this.#head]!;
      this.#waiters[this.#head++] = undefined;
      this.#waitingBytes -= waiter.bytes;
      this.#take(waiter.bytes);
      waiter.resolve();
    }
    // Emptied: a new array, once (not at every release of a buffer nobody waits on, which made one per event).
    if (this.#head === this.#waiters.length) {
      if (this.#head > 0) {
        this.#waiters = [];
        this.#head = 0;
      }
    } else if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
      this.#waiters = this.#waiters.slice(this.#head);
      this.#head = 0;
    }
  }

  #full(waitersToo = false): EventBusError {
    const what = waitersToo
      ? `and ${this.waiting} publishes (${this.#waitingBytes} bytes) already wait for room, the most ` +
        `allowed (publishBuffer.maxWaitingMessages / maxWaitingBytes). The broker is not keeping up or is down: `
      : '';
    return new EventBusError(
      'BUFFER_FULL',
      `The publish buffer is full (${this.#messages} events, ${this.#bytes} bytes awaiting the broker) ${what}` +
        'retry later, slow down, or raise publishBuffer.maxMessages / maxBytes.',
      {
        retriable: true,
        details: {
          messages: this.#messages,
          bytes: this.#bytes,
          waiting: this.waiting,
          waitingBytes: this.#waitingBytes,
        },
      },
    );
  }

  // An event larger than maxBytes still goes through alone, so it can never deadlock the buffer.
  #fits(bytes: number): boolean {
    return (
      this.#messages < this.maxMessages && (this.#bytes + bytes <= this.maxBytes || this.#messages === 0)
    );
  }

  #take(bytes: number): void {
    this.#messages++;
    this.#bytes += bytes;
  }
}
