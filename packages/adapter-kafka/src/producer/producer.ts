import { EventBusError, type OutboundMessage, type SendOutcome } from '@switchyard/core';
import type { DriverRecord, KafkaDriver, TopicMetadata } from '../driver/driver.ts';
import { toEventBusError } from '../errors.ts';
import type { KafkaProducerOptions } from '../options/options.ts';
import { Accumulator, type PartitionBatch, type PendingRecord } from './accumulator.ts';
import { BufferGate } from './buffer-gate.ts';
import type { MetadataCache } from './metadata-cache.ts';
import { Partitioner } from './partitioner.ts';
import { recordSize } from './record-size.ts';

export interface ProducerHooks {
  /** A request failed; `error` is already mapped. */
  readonly onError: (error: EventBusError) => void;
  readonly onSuccess: () => void;
  readonly secrets: readonly string[];
}

interface Prepared {
  readonly topic: string;
  readonly key: string | undefined;
  readonly record: Omit<DriverRecord, 'partition'>;
  readonly bytes: number;
  readonly settle: (outcome: SendOutcome) => void;
}

/**
 * Turns `send(messages)` into per-partition batches and per-event outcomes: checks size, chooses
 * the partition, takes buffer room (waiting or failing fast when full), hands the event to the
 * accumulator, and settles each event with its receipt or a mapped error.
 */
export class KafkaProducer {
  private readonly gate: BufferGate;
  private readonly accumulator: Accumulator;
  private readonly partitioner = new Partitioner();
  /** Serialises the slow path (metadata lookups, waiting for room) so events keep their order. */
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
    this.gate = new BufferGate(options.bufferMaxMessages, options.bufferMaxBytes);
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
    return this.gate.messages;
  }

  get bufferedBytes(): number {
    return this.gate.bytes;
  }

  get inFlightRequests(): number {
    return this.accumulator.inFlightRequests;
  }

  send(messages: readonly OutboundMessage[]): Promise<readonly SendOutcome[]> {
    if (this.closed)
      return Promise.reject(
        new EventBusError('CLOSED', 'The Kafka transport is closed; create a new one to publish.'),
      );
    if (messages.length === 0) return Promise.resolve([]);
    // One promise per call, not per event: each event settles into its slot.
    const outcomes = new Array<SendOutcome>(messages.length);
    let unsettled = messages.length;
    let settleAll!: (outcomes: readonly SendOutcome[]) => void;
    const all = new Promise<readonly SendOutcome[]>((resolve) => {
      settleAll = resolve;
    });
    const prepared: Prepared[] = [];
    let totalBytes = 0;
    for (let i = 0; i < messages.length; i++) {
      const settle = (outcome: SendOutcome) => {
        outcomes[i] = outcome;
        if (--unsettled === 0) settleAll(outcomes);
      };
      const item = this.prepare(messages[i]!, settle);
      if (item === undefined) continue;
      prepared.push(item);
      totalBytes += item.bytes;
    }
    if (prepared.length > 0) {
      if (
        this.intake === undefined &&
        this.knowsAll(prepared) &&
        this.gate.tryAcquire(prepared.length, totalBytes)
      ) {
        for (const item of prepared) this.enqueue(item, this.metadata.peek(item.topic)!);
      } else {
        this.enqueueSlowly(prepared);
      }
    }
    return all;
  }

  /** Sends everything buffered, ignoring linger; resolves when every event has settled. */
  async flush(): Promise<void> {
    while (this.intake !== undefined) await this.intake;
    await this.accumulator.flush();
  }

  /** Stops intake: later sends reject with CLOSED, waiters for buffer room fail. */
  close(): void {
    this.closed = true;
    this.gate.rejectWaiters();
  }

  private prepare(message: OutboundMessage, settle: (outcome: SendOutcome) => void): Prepared | undefined {
    const key = message.key === undefined ? null : Buffer.from(message.key, 'utf8');
    const value = Buffer.isBuffer(message.value)
      ? message.value
      : Buffer.from(message.value.buffer, message.value.byteOffset, message.value.byteLength);
    const bytes = recordSize(key, value, message.headers);
    if (bytes > this.options.maxMessageBytes) {
      settle({
        ok: false,
        error: new EventBusError(
          'EVENT_TOO_LARGE',
          `The event is ${bytes} bytes on the wire; the Kafka transport accepts at most ${this.options.maxMessageBytes} (producer.maxMessageBytes, the broker's message.max.bytes).`,
          { details: { topic: message.topic, bytes, limit: this.options.maxMessageBytes } },
        ),
      });
      return undefined;
    }
    return {
      topic: message.topic,
      key: message.key,
      record: { key, value, headers: message.headers },
      bytes,
      settle,
    };
  }

  private knowsAll(items: readonly Prepared[]): boolean {
    for (const item of items) if (this.metadata.peek(item.topic) === undefined) return false;
    return true;
  }

  private enqueueSlowly(items: readonly Prepared[]): void {
    const previous = this.intake ?? Promise.resolve();
    const current = previous.then(async () => {
      for (const item of items) await this.enqueueOne(item);
    });
    this.intake = current;
    void current.finally(() => {
      if (this.intake === current) this.intake = undefined;
    });
  }

  private async enqueueOne(item: Prepared): Promise<void> {
    let metadata: TopicMetadata;
    try {
      metadata = await this.metadata.get(item.topic);
    } catch (error) {
      item.settle({
        ok: false,
        error: toEventBusError(error, {
          operation: 'publish',
          topic: item.topic,
          secrets: this.hooks.secrets,
        }),
      });
      return;
    }
    const room =
      this.gate.tryAcquire(1, item.bytes) ||
      (this.options.whenBufferFull === 'wait' &&
        !this.closed &&
        (await this.gate.acquire(item.bytes, this.options.bufferWaitTimeoutMs)));
    if (!room) {
      item.settle({ ok: false, error: this.bufferFull() });
      return;
    }
    this.enqueue(item, metadata);
  }

  private enqueue(item: Prepared, metadata: TopicMetadata): void {
    const partition = this.partitioner.choose(item.topic, item.key, metadata);
    const leader = metadata.partitions[partition]?.leader ?? -1;
    const pending: PendingRecord = {
      record: { ...item.record, partition },
      bytes: item.bytes,
      settle: item.settle,
    };
    this.accumulator.append(item.topic, partition, leader, pending);
  }

  private bufferFull(): EventBusError {
    const why = this.closed
      ? 'the transport closed while the event waited for buffer room'
      : `no room within ${this.options.bufferWaitTimeoutMs} ms`;
    return new EventBusError(
      'BUFFER_FULL',
      `The Kafka publish buffer is full (${this.options.bufferMaxMessages} events / ${this.options.bufferMaxBytes} bytes): ${why}. Publish slower, raise producer.bufferMax*, or retry.`,
      { retriable: !this.closed },
    );
  }

  private async transmit(_leader: number, batches: readonly PartitionBatch[]): Promise<void> {
    let count = 0;
    let bytes = 0;
    for (const batch of batches) {
      count += batch.records.length;
      for (const r of batch.records) bytes += r.bytes;
    }
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
      const base = new Map<string, string | undefined>();
      for (const w of writes) base.set(`${w.topic}\u0000${w.partition}`, w.baseOffset);
      for (const batch of batches) {
        const first = base.get(`${batch.topic}\u0000${batch.partition}`);
        batch.records.forEach((r, i) => {
          r.settle({ ok: true, receipt: { partition: batch.partition, ...offsetAt(first, i) } });
        });
      }
      this.hooks.onSuccess();
    } catch (cause) {
      const topics = [...new Set(batches.map((b) => b.topic))];
      const error = toEventBusError(cause, {
        operation: 'publish',
        ...(topics.length === 1 ? { topic: topics[0]! } : {}),
        secrets: this.hooks.secrets,
      });
      for (const batch of batches) for (const r of batch.records) r.settle({ ok: false, error });
      for (const topic of topics) this.metadata.refresh(topic);
      // The broker may have written the batch although we saw an error; a fresh producer id keeps the
      // next batch from reusing its sequence numbers (which the broker would take for a duplicate).
      if (this.options.idempotent) this.needsReset = true;
      this.hooks.onError(error);
    } finally {
      this.gate.release(count, bytes);
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

function offsetAt(base: string | undefined, index: number): { offset?: string } {
  if (base === undefined || Number(base) < 0) return {};
  const n = Number(base);
  return {
    offset: Number.isSafeInteger(n + index) ? String(n + index) : (BigInt(base) + BigInt(index)).toString(),
  };
}
