import { EventBusError } from '../errors.ts';

/**
 * Bounds what the bus has handed to the transport but the broker has not yet confirmed, by
 * count and bytes. When full, `reserve` waits for room (or fails fast with BUFFER_FULL).
 */
export class PublishBuffer {
  #messages = 0;
  #bytes = 0;
  readonly #waiters: Array<{ bytes: number; resolve: () => void; reject: (error: Error) => void }> = [];

  readonly maxMessages: number;
  readonly maxBytes: number;
  readonly whenFull: 'wait' | 'fail';
  constructor(maxMessages: number, maxBytes: number, whenFull: 'wait' | 'fail') {
    this.maxMessages = maxMessages;
    this.maxBytes = maxBytes;
    this.whenFull = whenFull;
  }

  get messages(): number {
    return this.#messages;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Publishes waiting for room. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Takes room for one event; returns undefined when it fit at once, or a promise when it must wait. */
  reserve(bytes: number): Promise<void> | undefined {
    if (this.#waiters.length === 0 && this.#fits(bytes)) {
      this.#take(bytes);
      return undefined;
    }
    if (this.whenFull === 'fail') {
      return Promise.reject(
        new EventBusError(
          'BUFFER_FULL',
          `The publish buffer is full (${this.#messages} events, ${this.#bytes} bytes awaiting the broker). ` +
            'Retry later, slow down, or raise publishBuffer.maxMessages / maxBytes.',
          { retriable: true, details: { messages: this.#messages, bytes: this.#bytes } },
        ),
      );
    }
    return new Promise((resolve, reject) => this.#waiters.push({ bytes, resolve, reject }));
  }

  release(bytes: number): void {
    this.#messages--;
    this.#bytes -= bytes;
    while (this.#waiters.length > 0 && this.#fits(this.#waiters[0]!.bytes)) {
      const waiter = this.#waiters.shift()!;
      this.#take(waiter.bytes);
      waiter.resolve();
    }
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
