import { EventBusError } from '@switchyard/core';
import type { OutboundMessage, SendOutcome, TransportReceipt } from '@switchyard/core/transport';
import type { DriverRecord, KafkaDriver, TopicMetadata } from '../driver/driver.ts';
import type { RecordSizing } from '../driver/record-batch/record-encoder.ts';
import { toEventBusError } from '../errors.ts';
import type { KafkaProducerOptions } from '../options/options.ts';
import type { Redact } from '../redaction.ts';
import { Accumulator, type PartitionBatch, type PendingRecord } from './accumulator.ts';
import type { MetadataCache } from './metadata-cache.ts';
import { Partitioner } from './partitioner.ts';
import { HeaderSizes, recordSize } from './record-size.ts';

export interface ProducerHooks {
  /** A request failed; `error` is already mapped. */
  readonly onError: (error: EventBusError) => void;
  readonly onSuccess: () => void;
  readonly redact: Redact;
  /**
   * The client's request timeout. A write that took longer was retried by the client after a
   * timeout, on a leader it found afresh: this producer's view of the leaders is refreshed too.
   */
  readonly requestTimeoutMs: number;
}

/** The outcomes of one `send` call, filled in slot by slot; resolves when the last one is in. */
class SendResults {
  readonly outcomes: SendOutcome[];
  readonly promise: Promise<readonly SendOutcome[]>;
  private unsettled: number;
  private resolve!: (outcomes: readonly SendOutcome[]) => void;
  private readonly onOutcome: ((index: number, outcome: SendOutcome) => void) | undefined;

  constructor(count: number, onOutcome?: (index: number, outcome: SendOutcome) => void) {
    this.outcomes = new Array<SendOutcome>(count);
    this.unsettled = count;
    this.onOutcome = onOutcome;
    this.promise = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  set(index: number, outcome: SendOutcome): void {
    this.outcomes[index] = outcome;
    // Each partition batch's events settle when its request does, not with the slowest of the call.
    this.onOutcome?.(index, outcome);
    if (--this.unsettled === 0) this.resolve(this.outcomes);
  }
}

/**
 * One event from `send` to its outcome: the same object is the driver's record (its partition
 * chosen once the topic's metadata is known), waits in the accumulator (as its PendingRecord),
 * and once written is its own successful outcome and receipt (partition and offset), so an event
 * costs one object here, not seven.
 */
class Prepared implements PendingRecord, DriverRecord, RecordSizing, TransportReceipt {
  readonly topic: string;
  partition = -1;
  readonly key: string | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  readonly bytes: number;
  readonly headerCount: number;
  /** Where the broker wrote it (absent with acks none); set just before it settles as written. */
  offset?: string;
  readonly ok = true;
  private readonly results: SendResults;
  private readonly index: number;

  constructor(
    topic: string,
    key: string | null,
    value: Buffer,
    headers: Readonly<Record<string, string>>,
    bytes: number,
    headerCount: number,
    results: SendResults,
    index: number,
  ) {
    this.topic = topic;
    this.key = key;
    this.value = value;
    this.headers = headers;
    this.bytes = bytes;
    this.headerCount = headerCount;
    this.results = results;
    this.index = index;
  }

  get record(): DriverRecord {
    return this;
  }

  /** Its size and header count from `recordSize`: the record encoder takes them instead of counting again. */
  get sized(): RecordSizing {
    return this;
  }

  /** As a successful outcome: itself. */
  get receipt(): TransportReceipt {
    return this;
  }

  settle(outcome: SendOutcome): void {
    this.results.set(this.index, outcome);
  }

  /** Written at `offset` (undefined with acks none): it settles as its own outcome. */
  written(offset: string | undefined): void {
    if (offset !== undefined) this.offset = offset;
    this.results.set(this.index, this);
  }
}

/**
 * Turns `send(messages)` into per-partition batches and per-event outcomes: checks size, chooses
 * the partition, hands the event to the accumulator, and settles each event with its receipt or a
 * mapped error. It takes every event it is handed: what may be unconfirmed at once is bounded by
 * core's publish buffer (`createEventBus({ publishBuffer })`), and what travels at once by the
 * batch limits and `maxInFlightRequests` per broker.
 */
export class KafkaProducer {
  private readonly accumulator: Accumulator;
  /** Events (and their bytes) handed to this producer and not yet settled, for `health()`. */
  private unsettledMessages = 0;
  private unsettledBytes = 0;
  private readonly partitioner = new Partitioner();
  /** Reused by every `prepare`: `recordSize` writes the record's header count here (and remembers the last headers' sizes). */
  private readonly headerSizes = new HeaderSizes();
  /** Serialises the slow path (metadata lookups) so events keep their order. */
  private intake: Promise<void> | undefined;
  private resetting: Promise<void> | undefined;
  private needsReset = false;
  private closed = false;

  private readonly driver: KafkaDriver;
  private readonly metadata: MetadataCache;
  private readonly options: KafkaProducerOptions;
  private readonly hooks: ProducerHooks;

  constructor(
    driver: KafkaDriver,
    metadata: MetadataCache,
    options: KafkaProducerOptions,
    hooks: ProducerHooks,
  ) {
    this.driver = driver;
    this.metadata = metadata;
    this.options = options;
    this.hooks = hooks;
    this.accumulator = new Accumulator(
      {
        lingerMs: options.lingerMs,
        batchMaxMessages: options.batchMaxMessages,
        batchMaxBytes: options.batchMaxBytes,
        maxInFlightPerLeader: options.maxInFlightRequests,
      },
      (leader, batches) => this.transmit(leader, batches),
      (topic, partition) => this.partitioner.batchClosed(topic, partition, this.metadata.peek(topic)),
    );
  }

  get bufferedMessages(): number {
    return this.unsettledMessages;
  }

  get bufferedBytes(): number {
    return this.unsettledBytes;
  }

  get inFlightRequests(): number {
    return this.accumulator.inFlightRequests;
  }

  send(
    messages: readonly OutboundMessage[],
    onOutcome?: (index: number, outcome: SendOutcome) => void,
  ): Promise<readonly SendOutcome[]> {
    if (this.closed)
      return Promise.reject(
        new EventBusError('CLOSED', 'The Kafka transport is closed; create a new one to publish.'),
      );
    if (messages.length === 0) return Promise.resolve([]);
    // One promise per call, not per event: each event settles into its slot.
    const results = new SendResults(messages.length, onOutcome);
    const prepared: Prepared[] = [];
    let totalBytes = 0;
    for (let i = 0; i < messages.length; i++) {
      const item = this.prepare(messages[i]!, results, i);
      if (item === undefined) continue;
      prepared.push(item);
      totalBytes += item.bytes;
    }
    if (prepared.length > 0) {
      this.unsettledMessages += prepared.length;
      this.unsettledBytes += totalBytes;
      const known = this.intake === undefined ? this.knownMetadata(prepared) : undefined;
      if (known !== undefined) {
        for (let i = 0; i < prepared.length; i++) this.enqueue(prepared[i]!, known[i]!);
      } else {
        this.enqueueSlowly(prepared);
      }
    }
    return results.promise;
  }

  /** Sends everything buffered, ignoring linger; resolves when every event has settled. */
  async flush(): Promise<void> {
    while (this.intake !== undefined) await this.intake;
    await this.accumulator.flush();
  }

  /** Stops intake: later sends reject with CLOSED. */
  close(): void {
    this.closed = true;
  }

  private prepare(message: OutboundMessage, results: SendResults, index: number): Prepared | undefined {
    // The key stays a string: the partitioner hashes it and the encoder writes it without a buffer of its own.
    const key = message.key ?? null;
    const value = Buffer.isBuffer(message.value)
      ? message.value
      : Buffer.from(message.value.buffer, message.value.byteOffset, message.value.byteLength);
    const counted = this.headerSizes;
    const bytes = recordSize(key, value, message.headers, counted);
    const headerCount = counted.headerCount;
    if (bytes > this.options.maxMessageBytes) {
      results.set(index, {
        ok: false,
        error: new EventBusError(
          'EVENT_TOO_LARGE',
          `The event is ${bytes} bytes on the wire; the Kafka transport accepts at most ${this.options.maxMessageBytes} (producer.maxMessageBytes, the broker's message.max.bytes).`,
          { details: { topic: message.topic, bytes, limit: this.options.maxMessageBytes } },
        ),
      });
      return undefined;
    }
    return new Prepared(message.topic, key, value, message.headers, bytes, headerCount, results, index);
  }

  /** Each item's topic metadata, or undefined if one is not loaded yet; looked up once per run of a topic. */
  private knownMetadata(items: readonly Prepared[]): TopicMetadata[] | undefined {
    const found = new Array<TopicMetadata>(items.length);
    let topic: string | undefined;
    let metadata: TopicMetadata | undefined;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (item.topic !== topic) {
        topic = item.topic;
        metadata = this.metadata.peek(topic);
        if (metadata === undefined) return undefined;
      }
      found[i] = metadata!;
    }
    return found;
  }

  private enqueueSlowly(items: readonly Prepared[]): void {
    // One lookup per topic not known yet, started now rather than a microtask later: a burst is
    // published in one synchronous loop, and the Metadata request goes out while the rest of the loop
    // runs instead of after it. The send's events of that topic all wait for that one answer; if it
    // fails, they all settle with its error (before, each event asked again in turn).
    const lookups = new Map<string, Promise<TopicMetadata>>();
    for (const item of items) {
      if (lookups.has(item.topic) || this.metadata.peek(item.topic) !== undefined) continue;
      const lookup = this.metadata.get(item.topic);
      lookup.catch(() => undefined); // settled through the events below
      lookups.set(item.topic, lookup);
    }
    const previous = this.intake ?? Promise.resolve();
    // Only a lookup is awaited: once a topic's metadata is in, the rest of its events are queued in
    // one go, so the request the first event went into reaches the socket without waiting behind a
    // microtask per remaining event (on a new topic's first burst that wait was 1–3 ms).
    const current = previous.then(async () => {
      for (const item of items) {
        const known = this.metadata.peek(item.topic);
        if (known !== undefined) this.enqueue(item, known);
        else await this.enqueueLookedUp(item, lookups.get(item.topic) ?? this.metadata.get(item.topic));
      }
    });
    this.intake = current;
    void current.finally(() => {
      if (this.intake === current) this.intake = undefined;
    });
  }

  private async enqueueLookedUp(item: Prepared, lookup: Promise<TopicMetadata>): Promise<void> {
    let metadata: TopicMetadata;
    try {
      metadata = await lookup;
    } catch (error) {
      this.unsettledMessages--;
      this.unsettledBytes -= item.bytes;
      item.settle({
        ok: false,
        error: toEventBusError(error, {
          operation: 'publish',
          topic: item.topic,
          redact: this.hooks.redact,
        }),
      });
      return;
    }
    this.enqueue(item, metadata);
  }

  private enqueue(item: Prepared, metadata: TopicMetadata): void {
    const partition = this.partitioner.choose(item.topic, item.key ?? undefined, metadata);
    const leader = metadata.partitions[partition]?.leader ?? -1;
    item.partition = partition;
    this.accumulator.append(item.topic, partition, leader, item);
  }

  private async transmit(_leader: number, batches: readonly PartitionBatch[]): Promise<void> {
    let count = 0;
    let bytes = 0;
    for (const batch of batches) {
      count += batch.records.length;
      for (const r of batch.records) bytes += r.bytes;
    }
    const started = Date.now();
    try {
      await this.resetIfNeeded();
      const byTopic = new Map<string, DriverRecord[]>();
      for (const batch of batches) {
        let list = byTopic.get(batch.topic);
        if (list === undefined) {
          list = [];
          byTopic.set(batch.topic, list);
        }
        for (const r of batch.records) list.push(r.record);
      }
      const writes = await this.driver.produce({
        topics: [...byTopic].map(([topic, records]) => ({ topic, records })),
      });
      const baseOffsets = new Map<string, string | undefined>();
      for (const w of writes) baseOffsets.set(`${w.topic}\u0000${w.partition}`, w.baseOffset);
      for (const batch of batches) {
        const first = baseOffsets.get(`${batch.topic}\u0000${batch.partition}`);
        const records = batch.records;
        const base = first === undefined ? -1 : Number(first); // parsed once per batch
        for (let i = 0; i < records.length; i++) {
          records[i]!.written(base < 0 ? undefined : offsetAt(first!, base, i));
        }
      }
      if (Date.now() - started > this.hooks.requestTimeoutMs)
        for (const batch of batches) this.metadata.refresh(batch.topic);
      this.hooks.onSuccess();
    } catch (cause) {
      const topics = [...new Set(batches.map((b) => b.topic))];
      const error = toEventBusError(cause, {
        operation: 'publish',
        ...(topics.length === 1 ? { topic: topics[0]! } : {}),
        redact: this.hooks.redact,
      });
      for (const batch of batches) for (const r of batch.records) r.settle({ ok: false, error });
      for (const topic of topics) this.metadata.refresh(topic);
      // The broker may have written the batch although we saw an error; a fresh producer id keeps the
      // next batch from reusing its sequence numbers (which the broker would take for a duplicate).
      if (this.options.idempotent) this.needsReset = true;
      this.hooks.onError(error);
    } finally {
      this.unsettledMessages -= count;
      this.unsettledBytes -= bytes;
    }
  }

  private async resetIfNeeded(): Promise<void> {
    if (this.needsReset && this.resetting === undefined) {
      this.needsReset = false;
      this.resetting = this.driver.resetProducer().finally(() => {
        this.resetting = undefined;
      });
    }
    if (this.resetting !== undefined) await this.resetting;
  }
}

/** The offset of the `index`th record of a batch the broker wrote at `base` (`first` parsed). */
function offsetAt(first: string, base: number, index: number): string {
  return Number.isSafeInteger(base + index)
    ? String(base + index)
    : (BigInt(first) + BigInt(index)).toString();
}
