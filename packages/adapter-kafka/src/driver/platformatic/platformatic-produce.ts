import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Broker,
  type ClusterMetadata,
  type Connection,
  compressionsAlgorithms,
  findErrorBy,
  MultipleErrors,
  NetworkError,
  type Producer,
  ProtocolError,
  produceV3,
  produceV4,
  produceV5,
  produceV6,
  produceV7,
  produceV8,
  produceV9,
  produceV10,
  produceV11,
  ResponseError,
} from '@platformatic/kafka';

type ProduceResponse = produceV9.ProduceResponse;

import type { KafkaCompression } from '../../options/options.ts';
import type { DriverRecord, PartitionWrite, ProduceRequest } from '../driver.ts';
import {
  type BatchCompression,
  type BatchRecords,
  batchRecords,
  NO_PRODUCER,
  recordBatch,
} from '../record-batch/record-batch.ts';
import { produceRequest } from './platformatic-produce-request.ts';

/*
 * Produce requests written by the driver on @platformatic/kafka's own connections (its pool, so
 * its TLS, SASL and re-authentication), with record batches from `record-batch/`: the client's
 * `Producer.send` builds every record header as separate small buffers, which cost it three
 * quarters of its throughput with the CloudEvents headers every Switchyard event carries. What the
 * client's producer does around a send is done here the same way: leaders from its metadata
 * (refreshed after a stale-metadata error), its retry budget and back-off, and for an idempotent
 * producer a producer id from its InitProducerId call with per-partition sequence numbers, taken
 * anew (once per write) after OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID, and dropped
 * after any failed write.
 */

/** Produce versions the client parses; v3–v8 are classic, v9 on flexible (compact) encoding. */
const PARSERS: Record<number, typeof produceV9.parseResponse> = {
  3: produceV3.parseResponse,
  4: produceV4.parseResponse,
  5: produceV5.parseResponse,
  6: produceV6.parseResponse,
  7: produceV7.parseResponse,
  8: produceV8.parseResponse,
  9: produceV9.parseResponse,
  10: produceV10.parseResponse,
  11: produceV11.parseResponse,
};
const MIN_VERSION = 3;
const MAX_VERSION = 11;
const PRODUCE_KEY = 0;
const STATE_LOST = ['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID'];

export interface ProduceSettings {
  readonly acks: -1 | 0 | 1;
  readonly idempotent: boolean;
  readonly compression: KafkaCompression;
  /** How long the broker may wait for replicas (the request's `timeout_ms`). */
  readonly timeoutMs: number;
  readonly retries: number;
  /** Back-off before retry `attempt` (1-based). */
  readonly retryDelay: (attempt: number) => number;
}

/** One producer id and epoch from InitProducerId, with its own sequence numbers. */
export interface ProducerSession {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly sequences: Sequences;
}

/** Per-partition sequence numbers of one producer session (a new session starts them at 0). */
export class Sequences {
  readonly #next = new Map<string, number>();
  /** The base sequence for `count` records of the partition, and advances it (wrapping at 2^31). */
  take(topic: string, partition: number, count: number): number {
    const key = `${topic}\u0000${partition}`;
    const base = this.#next.get(key) ?? 0;
    this.#next.set(key, (base + count) % 0x80000000);
    return base;
  }
}

/** One partition's share of a write: its records are encoded and compressed once, its batch header once per session. */
interface Part {
  readonly topic: string;
  readonly partition: number;
  readonly records: BatchRecords;
  /** The batch as last sent, and the session it was numbered in (resent as is on a plain retry). */
  batch: Buffer | Promise<Buffer> | undefined;
  session: ProducerSession | undefined;
  baseOffset: string | undefined;
  error: Error | undefined;
}

export class PlatformaticProduce {
  readonly #producer: Producer<Buffer, Buffer, Buffer, Buffer>;
  readonly #settings: ProduceSettings;
  readonly #compression: BatchCompression | undefined;
  #session: ProducerSession | undefined;
  #starting: Promise<ProducerSession> | undefined;
  #version: number | undefined;

  constructor(producer: Producer<Buffer, Buffer, Buffer, Buffer>, settings: ProduceSettings) {
    this.#producer = producer;
    this.#settings = settings;
    this.#compression = batchCompression(settings.compression);
  }

  /** The highest Produce version both the broker and the client's parsers know. */
  async #produceVersion(): Promise<number> {
    if (this.#version !== undefined) return this.#version;
    const apis = await this.#producer.listApis();
    const produce = apis.find((api) => api.apiKey === PRODUCE_KEY);
    const version = Math.min(produce?.maxVersion ?? -1, MAX_VERSION);
    if (produce === undefined || version < Math.max(MIN_VERSION, produce.minVersion))
      throw new ProtocolError(
        'UNSUPPORTED_VERSION',
        'The brokers support no Produce version this driver writes.',
      );
    this.#version = version;
    return version;
  }

  /** Drops the producer id and its sequences: the next idempotent write takes a new id. */
  reset(): void {
    this.#session = undefined;
  }

  /** The current producer session, or a new one from InitProducerId (one call for concurrent writes). */
  async #currentSession(): Promise<ProducerSession> {
    if (this.#session !== undefined) return this.#session;
    if (this.#starting === undefined) {
      this.#starting = this.#producer
        .initIdempotentProducer({})
        .then((info) => {
          const session = {
            producerId: info.producerId,
            producerEpoch: info.producerEpoch,
            sequences: new Sequences(),
          };
          this.#session = session;
          return session;
        })
        .finally(() => {
          this.#starting = undefined;
        });
    }
    return this.#starting;
  }

  /** After a lost producer state: a new session, unless another write already took one. */
  async #renewSession(lost: ProducerSession | undefined): Promise<void> {
    if (this.#session === lost) this.reset();
    await this.#currentSession();
  }

  async produce(request: ProduceRequest): Promise<readonly PartitionWrite[]> {
    const timestamp = Date.now();
    const parts: Part[] = [];
    for (const { topic, records } of request.topics) {
      for (const [partition, list] of byPartition(records)) {
        parts.push({
          topic,
          partition,
          records: batchRecords(list, timestamp, this.#compression),
          batch: undefined,
          session: undefined,
          baseOffset: undefined,
          error: undefined,
        });
      }
    }
    const version = await this.#produceVersion();
    const topics = request.topics.map((t) => t.topic);
    const errors: Error[] = [];
    let refresh = false;
    let recovered = false;
    let pending = parts;
    for (let attempt = 0; ; attempt++) {
      // A write numbers its batches in the session current when the attempt starts (a reset by a
      // concurrent failure does not take it away). InitProducerId has had the client's own retries
      // when it fails: retried again here, a broker that is gone would cost retries² back-offs.
      const session = this.#settings.idempotent
        ? await this.#currentSession().catch((error: unknown) => {
            throw this.#fail(error, [...errors, error as Error], attempt);
          })
        : undefined;
      try {
        const metadata = await this.#metadata(topics, pending, refresh);
        refresh = false;
        await Promise.all(
          [...byLeader(pending, metadata)].map(([broker, group]) =>
            this.#send(broker, group, version, session).catch((error: unknown) => {
              // The connection or the request as a whole failed: each of its parts is retried.
              for (const part of group) part.error = error as Error;
            }),
          ),
        );
      } catch (error) {
        // No metadata (or no producer id): every part is retried.
        for (const part of pending) part.error ??= error as Error;
      }
      const failed = pending.filter((part) => part.error !== undefined);
      if (failed.length === 0) break;
      const error = failed[0]!.error;
      for (const part of failed) if (!errors.includes(part.error!)) errors.push(part.error!);
      pending = failed;
      const stateLost =
        this.#settings.idempotent &&
        failed.some((p) => STATE_LOST.some((id) => findErrorBy(p.error, 'apiId', id)));
      if (stateLost && !recovered) {
        // As the client: a new producer id, the failed batches numbered again, one more try.
        recovered = true;
        await this.#renewSession(failed[0]!.session).catch((e: unknown) => {
          throw this.#fail(e, errors, attempt);
        });
        for (const part of failed) {
          part.error = undefined;
          part.batch = undefined;
        }
        continue;
      }
      const retriable = failed.every((p) => !findErrorBy(p.error, 'canRetry', false));
      if (!retriable || stateLost || attempt >= this.#settings.retries) {
        const failure = this.#fail(error, errors, attempt);
        if (failed.length === parts.length) throw failure;
        // Some partitions were written (another topic's, when one in the request was deleted): each
        // part says what became of it, so the written ones are not reported as failed.
        return parts.map((p) => ({
          topic: p.topic,
          partition: p.partition,
          baseOffset: p.baseOffset,
          ...(failed.includes(p) ? { error: p.error } : {}),
        }));
      }
      refresh = failed.some(
        (p) => findErrorBy(p.error, 'hasStaleMetadata', true) || NetworkError.isRetryable(p.error),
      );
      for (const part of failed) part.error = undefined;
      await sleep(this.#settings.retryDelay(attempt + 1));
    }
    return parts.map((p) => ({ topic: p.topic, partition: p.partition, baseOffset: p.baseOffset }));
  }

  #fail(error: unknown, errors: Error[], attempt: number): unknown {
    // As the client: after a failed idempotent write the next one takes a new producer id.
    if (this.#settings.idempotent) this.reset();
    return attempt === 0 || errors.length <= 1
      ? error
      : new MultipleErrors(`produce failed ${attempt + 1} times.`, errors);
  }

  /** The client's metadata for the topics, fetched again when a partition written is not in it. */
  async #metadata(topics: string[], parts: readonly Part[], refresh: boolean): Promise<ClusterMetadata> {
    // No retries of its own (as the client's own send): the write's loop retries, and both
    // retrying made a write to a broker that is gone fail after ~18 s instead of ~3 s (`local`).
    const metadata = await this.#producer.metadata({ topics, forceUpdate: refresh, retries: 0 });
    if (!refresh && parts.some((p) => (metadata.topics.get(p.topic)?.partitionsCount ?? 0) <= p.partition))
      return this.#producer.metadata({ topics, forceUpdate: true, retries: 0 });
    return metadata;
  }

  /** One Produce request to one leader; each part records its base offset or its error. */
  async #send(
    broker: Broker | undefined,
    parts: readonly Part[],
    version: number,
    session: ProducerSession | undefined,
  ): Promise<void> {
    if (broker === undefined) {
      // No leader (an election, a partition the metadata does not have yet).
      const error = new ProtocolError('LEADER_NOT_AVAILABLE');
      for (const part of parts) part.error = error;
      return;
    }
    const connection = await this.#producer.connections.get(broker);
    // Sequence numbers are taken just before the request is queued on the connection, in the same
    // tick: the connection keeps its queue in order, so each partition's batches go out in sequence.
    for (const part of parts) this.#number(part, session);
    const { acks, timeoutMs } = this.#settings;
    const flexible = version >= 9;
    const response = await new Promise<ProduceResponse | boolean>((resolve, reject) => {
      (connection as Connection).send(
        PRODUCE_KEY,
        version,
        () => produceRequest(parts, acks, timeoutMs, flexible),
        PARSERS[version]!,
        flexible,
        flexible,
        (error, result) => {
          if (error === null || error === undefined) resolve(result as ProduceResponse | boolean);
          else if (error instanceof ResponseError && (error as { response?: unknown }).response !== undefined)
            resolve((error as unknown as { response: ProduceResponse }).response);
          else reject(error);
        },
      );
    });
    if (typeof response === 'boolean') return; // acks none: nothing comes back
    const byKey = new Map<string, Part>();
    for (const part of parts) byKey.set(`${part.topic}\u0000${part.partition}`, part);
    for (const topic of response.responses) {
      for (const p of topic.partitionResponses) {
        const part = byKey.get(`${topic.name}\u0000${p.index}`);
        if (part === undefined) continue;
        byKey.delete(`${topic.name}\u0000${p.index}`);
        if (p.errorCode === 0) part.baseOffset = String(p.baseOffset);
        // A retry the broker had already written (it answers without the offset).
        else if (p.errorCode === 46) part.baseOffset = undefined;
        else part.error = new ProtocolError(p.errorCode, p.errorMessage ?? null);
      }
    }
    for (const part of byKey.values())
      part.error = new ProtocolError('UNKNOWN_SERVER_ERROR', 'No answer for the partition.');
  }

  /** The part's batch for the current session: numbered once, and resent as is while the session lasts. */
  #number(part: Part, session: ProducerSession | undefined): void {
    if (part.batch !== undefined && part.session === session) return;
    part.session = session;
    const producer =
      session === undefined
        ? NO_PRODUCER
        : {
            producerId: session.producerId,
            producerEpoch: session.producerEpoch,
            baseSequence: session.sequences.take(part.topic, part.partition, part.records.count),
          };
    part.batch = recordBatch(part.records, producer);
    // An unhandled rejection would be reported before the request awaits it.
    if (part.batch instanceof Promise) part.batch.catch(() => undefined);
  }
}

/** The records of each partition, in their order. */
function byPartition(records: readonly DriverRecord[]): Map<number, DriverRecord[]> {
  const out = new Map<number, DriverRecord[]>();
  for (const r of records) {
    const list = out.get(r.partition);
    if (list === undefined) out.set(r.partition, [r]);
    else list.push(r);
  }
  return out;
}

/** The parts by their partition's leader (`undefined`: none known). */
function byLeader(parts: readonly Part[], metadata: ClusterMetadata): Map<Broker | undefined, Part[]> {
  const out = new Map<Broker | undefined, Part[]>();
  for (const part of parts) {
    const leader = metadata.topics.get(part.topic)?.partitions[part.partition]?.leader ?? -1;
    const broker = leader < 0 ? undefined : metadata.brokers.get(leader);
    const list = out.get(broker);
    if (list === undefined) out.set(broker, [part]);
    else list.push(part);
  }
  return out;
}

/** The client's own codecs (as its producer used them): gzip from zlib, snappy and lz4 in WebAssembly, zstd from zlib. */
function batchCompression(name: KafkaCompression): BatchCompression | undefined {
  if (name === 'none') return undefined;
  const algorithm = compressionsAlgorithms[name] as {
    bitmask: number;
    compress?: (data: Buffer) => Promise<Buffer>;
    compressSync: (data: Buffer) => Buffer;
  };
  // Only gzip has an asynchronous `compress`; the others are done with the records when they return.
  if (algorithm.compress !== undefined) return { bits: algorithm.bitmask, compress: algorithm.compress };
  return { bits: algorithm.bitmask, compress: (data) => algorithm.compressSync(data), sync: true };
}
