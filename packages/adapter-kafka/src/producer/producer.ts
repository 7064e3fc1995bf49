import { EventBusError } from '@switchyard/core';
import type { OutboundMessage, SendOutcome } from '@switchyard/core/transport';
import type {
  DriverRecord,
  KafkaDriver,
  PartitionWrite,
  ProduceRequest,
  TopicMetadata,
} from '../driver/driver.ts';
import { toEventBusError } from '../errors.ts';
import type { KafkaProducerOptions } from '../options/options.ts';
import type { Redact } from '../redaction.ts';
import { Accumulator, type PartitionBatch, type PendingRecord } from './accumulator.ts';
import type { MetadataCache } from './metadata-cache.ts';
import { Partitioner } from './partitioner.ts';
import { Prepared, SendResults } from './prepared.ts';
import { HeaderSizes, recordSize } from './record-size.ts';

export interface ProducerHooks {
  /** A request failed; `error` is already mapped. */
  readonly onError: (error: EventBusError) => void;
  /** Topics found deleted by a write, to be made anew: `events` of theirs go again (none failed). */
  readonly onTopicsGone?: (topics: readonly string[], events: number) => void;
  /**
   * Topics a write found unknown although the brokers still list them (made a moment ago, not
   * hosted by their leader yet): `events` of theirs go again (none failed).
   */
  readonly onTopicsNotServed?: (topics: readonly string[], events: number) => void;
  readonly onSuccess: () => void;
  readonly redact: Redact;
  /**
   * The client's request timeout. A write that took longer was retried by the client after a
   * timeout, on a leader it found afresh: this producer's view of the leaders is refreshed too.
   */
  readonly requestTimeoutMs: number;
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
    const started = Date.now();
    let writes: readonly PartitionWrite[];
    try {
      await this.resetIfNeeded();
      writes = await this.driver.produce({ topics: recordsByTopic(batches) });
    } catch (cause) {
      // The request failed as a whole: with several topics in it, which one failed is not known.
      await this.failBatches(
        batches.map((batch) => ({ batch, cause })),
        new Set(batches.map((b) => b.topic)).size === 1,
      );
      return;
    }
    const byPartition = new Map<string, PartitionWrite>();
    for (const w of writes) byPartition.set(`${w.topic}\u0000${w.partition}`, w);
    const failed: FailedBatch[] = [];
    for (const batch of batches) {
      const write = byPartition.get(`${batch.topic}\u0000${batch.partition}`);
      if (write?.error !== undefined) failed.push({ batch, cause: write.error });
      else this.settleWritten(batch, write?.baseOffset);
    }
    if (Date.now() - started > this.hooks.requestTimeoutMs)
      for (const batch of batches) this.metadata.refresh(batch.topic);
    if (failed.length === 0) this.hooks.onSuccess();
    else await this.failBatches(failed, true);
  }

  /** Settles a batch's events as written from `first` (undefined with acks none). */
  private settleWritten(batch: PartitionBatch, first: string | undefined): void {
    const records = batch.records;
    const base = first === undefined ? -1 : Number(first); // parsed once per batch
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      this.unsettledMessages--;
      this.unsettledBytes -= r.bytes;
      r.written(base < 0 ? undefined : offsetAt(first!, base, i));
    }
  }

  /**
   * Settles failed batches with their mapped error, except the events of a topic deleted meanwhile,
   * which go again once it is made anew (`takeBackForNewTopic`). `ownErrors`: each batch's cause is
   * its own partition's (else the request's, and a topic in it may not be the one that failed).
   */
  private async failBatches(failed: readonly FailedBatch[], ownErrors: boolean): Promise<void> {
    const errors = new Map<unknown, EventBusError>();
    const errorOf = ({ batch, cause }: FailedBatch) => {
      let error = errors.get(cause);
      if (error === undefined) {
        error = toEventBusError(cause, {
          operation: 'publish',
          ...(ownErrors ? { topic: batch.topic } : {}),
          redact: this.hooks.redact,
        });
        errors.set(cause, error);
      }
      return error;
    };
    const missing = [
      ...new Set(failed.filter((f) => errorOf(f).code === 'TOPIC_NOT_FOUND').map((f) => f.batch.topic)),
    ];
    const retried = missing.length > 0 && this.metadata.createsTopics;
    // Which of them the brokers no longer list, asked before anything is made anew. A partition's
    // own error names its topic, deleted or not served yet: its events go again at once, and the
    // answer only decides how that is logged (a lookup that fails: as deleted). A request's error
    // may be another topic's: only the events of topics found deleted go again, so it is awaited.
    const deleted = retried ? this.goneTopics(missing, ownErrors) : Promise.resolve(new Set<string>());
    const gone = retried && ownErrors ? new Set(missing) : await deleted;
    const again = this.takeBackForNewTopic(failed.filter((f) => gone.has(f.batch.topic)).map((f) => f.batch));
    const resent = new Set<PendingRecord>(again);
    let first: EventBusError | undefined;
    for (const f of failed) {
      const outcome = { ok: false as const, error: errorOf(f) };
      for (const r of f.batch.records) {
        if (resent.has(r)) continue; // still unsettled
        this.unsettledMessages--;
        this.unsettledBytes -= r.bytes;
        first ??= outcome.error;
        r.settle(outcome);
      }
    }
    for (const topic of new Set(failed.map((f) => f.batch.topic))) {
      if (gone.has(topic)) this.metadata.invalidate(topic);
      else this.metadata.refresh(topic);
    }
    if (again.length > 0) this.enqueueSlowly(again);
    // The broker may have written the batch although we saw an error; a fresh producer id keeps the
    // next batch from reusing its sequence numbers (which the broker would take for a duplicate).
    if (this.options.idempotent) this.needsReset = true;
    if (again.length > 0) void deleted.then((found) => this.reportSentAgain(again, found));
    // A failure only when an event failed: events sent again are not (yet) one.
    if (first !== undefined) this.hooks.onError(first);
  }

  /** Says whose events go again: topics deleted (made anew) apart from topics not served yet. */
  private reportSentAgain(again: readonly Prepared[], deleted: ReadonlySet<string>): void {
    const byTopic = new Map<string, number>();
    for (const r of again) byTopic.set(r.topic, (byTopic.get(r.topic) ?? 0) + 1);
    const count = (topics: readonly string[]) => topics.reduce((n, t) => n + byTopic.get(t)!, 0);
    const gone = [...byTopic.keys()].filter((t) => deleted.has(t));
    const unserved = [...byTopic.keys()].filter((t) => !deleted.has(t));
    if (gone.length > 0) this.hooks.onTopicsGone?.(gone, count(gone));
    if (unserved.length > 0) this.hooks.onTopicsNotServed?.(unserved, count(unserved));
  }

  /**
   * Which of these topics the brokers no longer have; a lookup that fails counts as `ifUnknown`.
   * For a request of several that failed as a whole, the others' writes may have gone through and
   * are not sent again.
   */
  private async goneTopics(topics: readonly string[], ifUnknown = false): Promise<Set<string>> {
    const missing = await Promise.all(
      topics.map((t) =>
        this.driver.topicMetadata(t).then(
          (m) => m === undefined,
          () => ifUnknown,
        ),
      ),
    );
    return new Set(topics.filter((_, i) => missing[i]));
  }

  /**
   * A write found its topic gone (deleted elsewhere since the transport looked it up): nothing was
   * written. With auto-creation on, its events and those queued behind them for the same partitions
   * go back, in order, through the metadata lookup that makes the topic anew; an event already sent
   * once that way fails instead. Returns the events that go again.
   */
  private takeBackForNewTopic(batches: readonly PartitionBatch[]): Prepared[] {
    const again: Prepared[] = [];
    for (const batch of batches) {
      const before = again.length;
      for (const r of batch.records as readonly Prepared[]) {
        if (r.resent) continue;
        r.resent = true;
        again.push(r);
      }
      if (again.length > before)
        again.push(...(this.accumulator.takeQueued(batch.topic, batch.partition) as Prepared[]));
    }
    return again;
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

/** A partition's batch that was not written, and why. */
interface FailedBatch {
  readonly batch: PartitionBatch;
  readonly cause: unknown;
}

/** A request's records by topic, as the driver takes them. */
function recordsByTopic(batches: readonly PartitionBatch[]): ProduceRequest['topics'] {
  const byTopic = new Map<string, DriverRecord[]>();
  for (const batch of batches) {
    let list = byTopic.get(batch.topic);
    if (list === undefined) {
      list = [];
      byTopic.set(batch.topic, list);
    }
    for (const r of batch.records) list.push(r.record);
  }
  return [...byTopic].map(([topic, records]) => ({ topic, records }));
}

/** The offset of the `index`th record of a batch the broker wrote at `base` (`first` parsed). */
function offsetAt(first: string, base: number, index: number): string {
  return Number.isSafeInteger(base + index)
    ? String(base + index)
    : (BigInt(first) + BigInt(index)).toString();
}
