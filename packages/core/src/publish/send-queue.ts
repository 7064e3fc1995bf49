import { EventBusError, toEventBusError } from '../errors.ts';
import type { BusMetrics } from '../observability/metrics.ts';
import { endSendSpan, endSpanWithError } from '../observability/tracing.ts';
import type { SendOutcome, Transport } from '../transport.ts';
import type { PublishReceipt } from '../types.ts';
import { ignoreReceipt, type Pending, type Recipient, toReceipt } from './pending.ts';
import type { PublishBuffer } from './publish-buffer.ts';
import { startSharedSpans } from './shared-spans.ts';

/**
 * A tick's publishes leave in sends of about this many encoded bytes: a large burst starts
 * travelling while the caller still builds its later events (1,500 publishes take milliseconds to
 * build), as a client library's own write buffer would send it. 64 KiB is a few of Kafka's default
 * batches and far fewer sends than events.
 */
const SEND_CHUNK_BYTES = 64 * 1024;

/**
 * A burst's first send leaves once this many encoded bytes are queued (about a dozen small
 * events), so the first events are on the wire while the caller builds the rest instead of after
 * the first 64 KiB: a subscriber sees the burst begin in ~1 ms rather than when a fifth of it is
 * built. A tick smaller than this still travels in one send.
 */
const FIRST_SEND_BYTES = 4 * 1024;

/**
 * Accepted events on their way to the transport: every event queued in the same tick travels in one
 * `transport.send` call (its first ~4 KiB at once, then sends of up to ~64 KiB when a tick queues
 * more), and each settles — its receipt, its buffer room, its span and metrics — as soon as the
 * transport knows its outcome.
 */
export class SendQueue {
  readonly #transport: Transport;
  readonly #metrics: BusMetrics;
  readonly #buffer: PublishBuffer;
  /** `undefined` when connected; otherwise connects (once) and settles when that ends. */
  readonly #ready: () => Promise<void> | undefined;
  #queue: Pending[] = [];
  /** Encoded bytes of the events in `#queue`. */
  #queuedBytes = 0;
  /** Events in `#queue` waiting for a shared `send` span. */
  #deferredQueued = 0;
  #flushScheduled = false;
  /** Bytes queued that make this tick's next send leave now: FIRST_SEND_BYTES, then SEND_CHUNK_BYTES. */
  #sendAtBytes = FIRST_SEND_BYTES;
  /**
   * Sends not settled yet, and who waits for there to be none (close). A count, not a Set of the
   * sends' promises: a Set swinging between empty and a few entries at every send rehashes its
   * table, and V8 links each dropped table to the next, so once one had been promoted to the old
   * generation every later table, with its sends' batches, survived the young-generation
   * collections until the next full one (the NATS producer at 10,000 events/s: ~1.4 KB per event
   * surviving, new space grown to 4x, scavenges of 10-45 ms).
   */
  #inFlightSends = 0;
  #noSendsInFlight: Array<() => void> = [];
  /** Events in sends that wait for the transport's first connect. */
  #awaitingConnect = 0;

  constructor(
    transport: Transport,
    metrics: BusMetrics,
    buffer: PublishBuffer,
    ready: () => Promise<void> | undefined,
  ) {
    this.#transport = transport;
    this.#metrics = metrics;
    this.#buffer = buffer;
    this.#ready = ready;
  }

  /** Events accepted before the first connect finished, waiting for it (they hold buffer room already). */
  get awaitingConnect(): number {
    return this.#awaitingConnect;
  }

  /**
   * Queues an event that holds its buffer room. A publish (`recipient` undefined) gets a promise of
   * its receipt; an emit makes none, and its `recipient` hears of its failure; a `publishBatch`
   * event settles into its slot.
   */
  enqueue(pending: Pending, recipient: Recipient): Promise<PublishReceipt> | undefined {
    let promise: Promise<PublishReceipt> | undefined;
    if (recipient === undefined) {
      const resolvers = Promise.withResolvers<PublishReceipt>();
      promise = resolvers.promise;
      pending.resolve = resolvers.resolve;
      pending.reject = resolvers.reject;
    } else if (typeof recipient === 'function') pending.reject = recipient;
    else pending.slot = recipient;
    pending.started = this.#metrics.clock();
    this.#queue.push(pending);
    if (pending.deferred !== undefined) this.#deferredQueued++;
    this.#queuedBytes += pending.bytes;
    // Not while sends wait for the first connect: theirs leave a microtask after it, and a send
    // made in between would overtake them.
    if (this.#queuedBytes >= this.#sendAtBytes && this.#awaitingConnect === 0) {
      this.#sendAtBytes = SEND_CHUNK_BYTES;
      this.#flush();
    }
    // The tick's end sends what is left, and starts the next tick at the first threshold.
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(this.#flushTask);
    }
    return promise;
  }

  /**
   * Sends everything queued and waits until each event has settled: those still waiting for buffer
   * room too, as room frees (connecting first if the bus never connected).
   */
  async drain(): Promise<void> {
    for (;;) {
      this.#flush();
      if (this.#inFlightSends > 0) await new Promise<void>((resolve) => this.#noSendsInFlight.push(resolve));
      else if (this.#buffer.waiting > 0 || this.#queue.length > 0)
        await new Promise((resolve) => setImmediate(resolve)); // room was just freed: let them in
      else return;
    }
  }

  /** The end of a tick; the only place that clears `#flushScheduled`, so one task runs per tick. */
  readonly #flushTask = (): void => {
    this.#flushScheduled = false;
    this.#sendAtBytes = FIRST_SEND_BYTES;
    this.#flush();
  };

  #flush(): void {
    if (this.#queue.length === 0) return;
    const batch = this.#queue;
    this.#queue = [];
    this.#queuedBytes = 0;
    if (this.#deferredQueued > 0) {
      this.#deferredQueued = 0;
      startSharedSpans(batch, this.#transport.name);
    }
    let sending: Promise<void>;
    // Each publish settles as soon as the transport knows its outcome, not with the slowest of the tick.
    const onOutcome = (index: number, outcome: SendOutcome): void => {
      const pending = batch[index];
      if (pending !== undefined && !pending.done) this.#settleOne(pending, outcome, this.#metrics.clock());
    };
    const send = (): Promise<void> => {
      try {
        return this.#transport.send(batch, onOutcome).then(
          (outcomes) => this.#settle(batch, outcomes),
          (error: unknown) => this.#failAll(batch, error),
        );
      } catch (error) {
        return Promise.resolve(this.#failAll(batch, error));
      }
    };
    const connecting = this.#ready();
    if (connecting === undefined) sending = send();
    else {
      // Accepted before the first connect: they leave once it is done (close waits for that too).
      this.#awaitingConnect += batch.length;
      sending = connecting.then(
        () => {
          this.#awaitingConnect -= batch.length;
          return send();
        },
        (error: unknown) => {
          this.#awaitingConnect -= batch.length;
          this.#failAll(batch, error);
        },
      );
    }
    this.#inFlightSends++;
    sending.then(this.#sendEnded, this.#sendEnded);
  }

  readonly #sendEnded = (): void => {
    if (--this.#inFlightSends > 0 || this.#noSendsInFlight.length === 0) return;
    const waiters = this.#noSendsInFlight;
    this.#noSendsInFlight = [];
    for (const resolve of waiters) resolve();
  };

  #settle(batch: Pending[], outcomes: readonly SendOutcome[]): void {
    const now = this.#metrics.clock();
    for (let i = 0; i < batch.length; i++) {
      const pending = batch[i]!;
      if (pending.done) continue;
      const outcome: SendOutcome = outcomes[i] ?? {
        ok: false,
        error: new EventBusError(
          'INTERNAL',
          `The ${this.#transport.name} transport returned no outcome for event ${pending.id}.`,
        ),
      };
      this.#settleOne(pending, outcome, now);
    }
  }

  #settleOne(pending: Pending, outcome: SendOutcome, now: number): void {
    pending.done = true;
    this.#buffer.release(pending.bytes);
    if (outcome.ok) {
      this.#metrics.sent(pending.topic, 1, (now - pending.started) / 1000);
      if (pending.span !== undefined) endSendSpan(pending.span, this.#transport.name, outcome.receipt);
      else pending.shared?.succeeded(outcome.receipt);
      const slot = pending.slot;
      if (slot !== undefined) {
        pending.slot = undefined; // the batch's receipts are not kept alive by its settled events
        slot.batch.succeeded(slot.index, toReceipt(pending, outcome.receipt));
      } else if (pending.resolve !== ignoreReceipt) pending.resolve(toReceipt(pending, outcome.receipt));
    } else {
      this.#fail(pending, outcome.error);
    }
  }

  #failAll(batch: Pending[], error: unknown): void {
    const mapped = toEventBusError(
      error,
      'PUBLISH_FAILED',
      `The ${this.#transport.name} transport failed to send`,
      true,
    );
    for (const pending of batch) {
      if (pending.done) continue;
      pending.done = true;
      this.#buffer.release(pending.bytes);
      this.#fail(pending, mapped);
    }
  }

  #fail(pending: Pending, error: EventBusError): void {
    this.#metrics.publishFailed(pending.topic, error.code);
    if (pending.span !== undefined) endSpanWithError(pending.span, error);
    else pending.shared?.failed(error);
    const slot = pending.slot;
    if (slot !== undefined) {
      pending.slot = undefined;
      slot.batch.failed(slot.index, error);
    } else pending.reject(error);
  }
}
