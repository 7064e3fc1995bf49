import {
  type ClusterMetadata,
  type Connection,
  type ConnectionPool,
  type Consumer,
  FetchIsolationLevels,
  NetworkError,
  ProtocolError,
} from '@platformatic/kafka';
import type { Log } from '@switchyard/core/transport';
import type { ResolvedKafkaOptions } from '../../options/options.ts';
import type { DriverBatch } from '../driver.ts';
import { decodeRecordBatches } from '../record-batch/record-batch-decoder.ts';
import { hasApiId } from './platformatic-errors.ts';
import {
  decompressWithClient,
  FETCH_KEY,
  MAX_FETCH_VERSION,
  MIN_FETCH_VERSION,
  type RawFetchResponse,
  sendFetch,
} from './platformatic-fetch.ts';
import { partitionKey, planFetches, type Requested } from './platformatic-fetch-plan.ts';
import { type FetchResponse, recordsOf } from './platformatic-records.ts';

type Client = Consumer<Buffer, Buffer, Buffer, Buffer>;
type Paused = ReadonlyArray<{ readonly topic: string; readonly partitions: readonly number[] }>;

const OFFSET_OUT_OF_RANGE = 1;
/** Partition errors after which the leaders are looked up again (the client's metadata is dropped). */
const STALE_METADATA = new Set([
  3, // UNKNOWN_TOPIC_OR_PARTITION
  5, // LEADER_NOT_AVAILABLE
  6, // NOT_LEADER_OR_FOLLOWER
  74, // FENCED_LEADER_EPOCH
  75, // UNKNOWN_LEADER_EPOCH
  100, // UNKNOWN_TOPIC_ID
]);
/**
 * Whether the loop writes its own Fetch requests and decodes the record batches itself
 * (platformatic-fetch.ts, record-batch-decoder.ts) rather than calling `Consumer.fetch`:
 * `SWITCHYARD_PLATFORMATIC_FETCH=client` goes back to the client's; `own` (or unset) keeps ours.
 * Any other value is warned about (it was ignored without a word) and keeps ours.
 */
export function ownFetchFromEnv(
  value: string | undefined,
  warn: (message: string) => void = (message) => process.emitWarning(message),
): boolean {
  const choice = value?.trim().toLowerCase();
  if (choice === undefined || choice === '' || choice === 'own') return true;
  if (choice === 'client') return false;
  warn(
    `SWITCHYARD_PLATFORMATIC_FETCH=${JSON.stringify(value)} is not 'own' or 'client'; the platformatic driver fetches with its own requests ('own').`,
  );
  return true;
}
const OWN_FETCH = ownFetchFromEnv(process.env.SWITCHYARD_PLATFORMATIC_FETCH);
/** How long the loop sleeps when there is nothing to fetch (every partition paused, or none assigned). */
const IDLE_MS = 50;

export interface FetchLoopHooks {
  /**
   * Brings the assignment up to date before a round of fetches (the client may have a new one);
   * false when nothing may be fetched now (an assignment being applied, or its lookup failed).
   */
  readonly prepare: () => Promise<boolean>;
  /** A batch for the handlers; returns how many messages from the front were taken. */
  readonly onBatch: (batch: DriverBatch) => number;
  /** The subscribed topics, and whether one without a usable offset restarts at the log start (else at the end). */
  readonly topics: ReadonlyMap<string, boolean>;
}

/**
 * The platformatic consumer's fetch loop: one `Fetch` per leader with none in flight, for the
 * assigned and unpaused partitions at their positions, on the given connection pool. A response is
 * dropped for a partition whose position moved (seek) or that was paused meanwhile, and after a new
 * assignment (epoch). Failures wake the loop again after a back-off: `retry.initialRetryTimeMs`,
 * doubling up to `retry.maxRetryTimeMs`.
 */
export class FetchLoop {
  readonly #options: ResolvedKafkaOptions;
  readonly #log: Log;
  readonly #what: string;
  readonly #hooks: FetchLoopHooks;
  #client: Client | undefined;
  #pool: ConnectionPool | undefined;
  /** Next offset to fetch per `topic:partition` of the current assignment. */
  #positions = new Map<string, bigint>();
  #assignment = new Map<string, number[]>();
  /** Bumped on each assignment and stop: responses to older requests are dropped. */
  #epoch = 0;
  #paused = new Set<string>();
  #pausedList: Paused = [];
  readonly #inflight = new Set<number>();
  #wakeTimer: NodeJS.Timeout | undefined;
  /** The back-off after the last failure of a streak (0: the last attempt succeeded). */
  #retryDelayMs = 0;
  /** The Fetch version for own requests (0: the client's `fetch`, the brokers know none of ours). */
  #version: number | undefined;

  constructor(options: ResolvedKafkaOptions, log: Log, what: string, hooks: FetchLoopHooks) {
    this.#options = options;
    this.#log = log;
    this.#what = what;
    this.#hooks = hooks;
  }

  get pausedList(): Paused {
    return this.#pausedList;
  }

  start(client: Client, pool: ConnectionPool | undefined): void {
    this.#client = client;
    this.#pool = pool;
    this.wake();
  }

  /** Stops fetching; responses in flight are dropped. */
  stop(): void {
    this.#client = undefined;
    this.#pool = undefined;
    this.invalidate();
    clearTimeout(this.#wakeTimer);
    this.#wakeTimer = undefined;
    this.#assignment = new Map();
    this.#positions = new Map();
  }

  /** Responses to requests made so far are dropped (the assignment is about to change). */
  invalidate(): void {
    this.#epoch++;
  }

  assign(assignment: Map<string, number[]>, positions: Map<string, bigint>): void {
    this.#epoch++;
    this.#assignment = assignment;
    this.#positions = positions;
    this.#applyPaused();
  }

  seek(topic: string, partition: number, offset: bigint): void {
    this.#positions.set(partitionKey(topic, partition), offset);
  }

  setPaused(paused: Paused): void {
    this.#pausedList = paused;
    this.#applyPaused();
  }

  wake(): void {
    if (this.#wakeTimer !== undefined) {
      clearTimeout(this.#wakeTimer);
      this.#wakeTimer = undefined;
    }
    setImmediate(() => void this.#pump());
  }

  /** Wakes the loop again after the back-off. */
  retryLater(error: unknown, what: string): void {
    const { initialRetryTimeMs, maxRetryTimeMs } = this.#options.retry;
    const delayMs =
      this.#retryDelayMs === 0 ? initialRetryTimeMs : Math.min(maxRetryTimeMs, this.#retryDelayMs * 2);
    this.#retryDelayMs = delayMs;
    this.#log(
      'warn',
      `${what} for ${this.#what} failed, trying again in ${delayMs} ms: ${(error as Error)?.message ?? error}`,
    );
    if (this.#client === undefined) return;
    clearTimeout(this.#wakeTimer);
    this.#wakeTimer = setTimeout(() => this.wake(), delayMs);
  }

  #applyPaused(): void {
    const wasPaused = this.#paused;
    this.#paused = new Set();
    for (const { topic, partitions } of this.#pausedList) {
      for (const partition of partitions) this.#paused.add(partitionKey(topic, partition));
    }
    for (const k of wasPaused) {
      if (!this.#paused.has(k)) {
        this.wake();
        break;
      }
    }
  }

  /** Starts a fetch on every broker that leads an unpaused assigned partition and has none in flight. */
  async #pump(): Promise<void> {
    const client = this.#client;
    if (client === undefined) return;
    if (!(await this.#hooks.prepare()) || client !== this.#client) return;
    let metadata: ClusterMetadata;
    try {
      metadata = await client.metadata({ topics: [...this.#hooks.topics.keys()] });
    } catch (error) {
      if (client === this.#client) this.retryLater(error, 'reading metadata');
      return;
    }
    if (client !== this.#client) return;
    const byNode = planFetches(
      {
        assignment: this.#assignment,
        positions: this.#positions,
        paused: this.#paused,
        inflight: this.#inflight,
      },
      metadata,
      this.#options.consumer.maxBytesPerPartition,
    );
    if (byNode.size === 0) {
      if (this.#inflight.size === 0) this.#wakeTimer ??= setTimeout(() => this.wake(), IDLE_MS);
      return;
    }
    const version = OWN_FETCH ? await this.#fetchVersion(client) : 0;
    if (version === undefined || client !== this.#client) return;
    for (const [node, topics] of byNode) {
      if (version === 0) void this.#fetchFrom(client, node, topics);
      else void this.#fetchOwn(client, metadata, version, node, topics);
    }
  }

  /** The highest Fetch version both the brokers and this driver know; 0 for none (the client's fetch then). */
  async #fetchVersion(client: Client): Promise<number | undefined> {
    if (this.#version !== undefined) return this.#version;
    try {
      const fetch = (await client.listApis()).find((api) => api.apiKey === FETCH_KEY);
      const version = Math.min(fetch?.maxVersion ?? -1, MAX_FETCH_VERSION);
      this.#version =
        fetch === undefined || version < Math.max(MIN_FETCH_VERSION, fetch.minVersion) ? 0 : version;
      return this.#version;
    } catch (error) {
      if (client === this.#client) this.retryLater(error, 'reading the API versions');
      return undefined;
    }
  }

  /** One Fetch written by the driver (platformatic-fetch.ts) on the client's connection to the broker. */
  async #fetchOwn(
    client: Client,
    metadata: ClusterMetadata,
    version: number,
    node: number,
    topics: Map<string, Requested>,
  ): Promise<void> {
    this.#inflight.add(node);
    const epoch = this.#epoch;
    let failure: unknown;
    try {
      const broker = metadata.brokers.get(node);
      if (broker === undefined)
        throw new ProtocolError('LEADER_NOT_AVAILABLE', `No broker ${node} in the metadata.`);
      const pool = this.#pool ?? client.connections;
      const connection = (await pool.get(broker)) as Connection;
      const c = this.#options.consumer;
      const response = await sendFetch(connection, version, {
        maxWaitMs: c.maxWaitTimeMs,
        minBytes: c.minBytes,
        maxBytes: c.maxBytes,
        isolationLevel: FetchIsolationLevels.READ_COMMITTED,
        topics: [...topics.values()].map(({ topicId, partitions }) => ({ topicId, partitions })),
      });
      if (epoch === this.#epoch && client === this.#client)
        failure = this.#deliverOwn(client, response, topics);
      if (failure === undefined) this.#retryDelayMs = 0;
    } catch (error) {
      // As the client's fetch: after a network error the leaders are looked up again.
      if (NetworkError.isRetryable(error as Error)) client.clearMetadata();
      if (epoch === this.#epoch && client === this.#client) failure = error;
    } finally {
      this.#inflight.delete(node);
    }
    if (client !== this.#client) return;
    if (failure !== undefined) this.retryLater(failure, `fetching from broker ${node}`);
    else this.wake();
  }

  /**
   * Hands each partition's records over; a partition whose offset is gone moves like
   * auto.offset.reset; returns the first other partition error (the metadata dropped when it is a
   * stale leader or topic), for the back-off.
   */
  #deliverOwn(client: Client, response: RawFetchResponse, requested: Map<string, Requested>): unknown {
    const names = new Map<string, string>();
    for (const [topic, { topicId }] of requested) names.set(topicId, topic);
    let failure: unknown;
    for (const topicResponse of response.responses) {
      const topic = names.get(topicResponse.topicId);
      if (topic === undefined) continue;
      const asked = requested.get(topic)!.at;
      for (const p of topicResponse.partitions) {
        const k = partitionKey(topic, p.partitionIndex);
        const fetchedAt = asked.get(p.partitionIndex);
        // Moved (seek) or paused since: not this fetch's.
        if (!this.#current(k, fetchedAt)) continue;
        if (p.errorCode === OFFSET_OUT_OF_RANGE) {
          this.#resetPosition(topic, k, p);
          continue;
        }
        if (p.errorCode !== 0) {
          if (STALE_METADATA.has(p.errorCode)) client.clearMetadata();
          if (failure === undefined) {
            const error = new ProtocolError(p.errorCode);
            error.message = `${error.apiId} for ${topic}[${p.partitionIndex}]: ${error.message}`;
            failure = error;
          }
          continue;
        }
        if (p.records === null) continue;
        const { messages, next, batches } = decodeRecordBatches(
          p.records,
          fetchedAt,
          p.abortedTransactions,
          decompressWithClient,
        );
        if (batches === 0) continue;
        this.#handOver(k, fetchedAt, { topic, partition: p.partitionIndex, messages }, next);
      }
    }
    return failure;
  }

  async #fetchFrom(client: Client, node: number, topics: Map<string, Requested>): Promise<void> {
    this.#inflight.add(node);
    const epoch = this.#epoch;
    const names = new Map<string, string>();
    for (const [topic, { topicId }] of topics) names.set(topicId, topic);
    let failure: unknown;
    try {
      const c = this.#options.consumer;
      const response = await client.fetch({
        node,
        topics: [...topics.values()].map(({ topicId, partitions }) => ({ topicId, partitions })),
        minBytes: c.minBytes,
        maxBytes: c.maxBytes,
        maxWaitTime: c.maxWaitTimeMs,
        ...(this.#pool === undefined ? {} : { connectionPool: this.#pool }),
      });
      this.#retryDelayMs = 0;
      if (epoch === this.#epoch && client === this.#client) this.#deliver(response, names, topics);
    } catch (error) {
      if (epoch === this.#epoch && client === this.#client && !this.#outOfRange(error, names))
        failure = error;
    } finally {
      this.#inflight.delete(node);
    }
    if (client !== this.#client) return;
    if (failure !== undefined) this.retryLater(failure, `fetching from broker ${node}`);
    else this.wake();
  }

  #deliver(response: FetchResponse, names: Map<string, string>, requested: Map<string, Requested>): void {
    for (const topicResponse of response.responses) {
      const topic = names.get(topicResponse.topicId);
      if (topic === undefined) continue;
      const asked = requested.get(topic)!.at;
      for (const p of topicResponse.partitions) {
        const k = partitionKey(topic, p.partitionIndex);
        const fetchedAt = asked.get(p.partitionIndex);
        // A partition the fetch session still lists, moved (seek) or paused since: not this fetch's.
        if (!this.#current(k, fetchedAt)) continue;
        const records = recordsOf(topic, p, fetchedAt);
        if (records !== undefined) this.#handOver(k, fetchedAt, records.batch, records.next);
      }
    }
  }

  /** Whether a fetch from `fetchedAt` is still this partition's: not moved (seek) or paused since. */
  #current(k: string, fetchedAt: bigint | undefined): fetchedAt is bigint {
    return fetchedAt !== undefined && this.#positions.get(k) === fetchedAt && !this.#paused.has(k);
  }

  /** Hands a partition's records over and moves its position past what the handlers took. */
  #handOver(k: string, fetchedAt: bigint, batch: DriverBatch, next: bigint): void {
    if (batch.messages.length === 0) {
      this.#positions.set(k, next);
      return;
    }
    const taken = this.#hooks.onBatch(batch);
    // Handlers may have sought or been reassigned meanwhile: only move a position still ours.
    if (this.#positions.get(k) !== fetchedAt) return;
    if (taken >= batch.messages.length) this.#positions.set(k, next);
    else if (taken > 0) this.#positions.set(k, BigInt(batch.messages[taken]!.offset));
  }

  /** A partition whose offset is gone (retention) or beyond the end moves like auto.offset.reset. */
  #resetPosition(topic: string, k: string, p: { logStartOffset: bigint; highWatermark: bigint }): void {
    const reset = this.#hooks.topics.get(topic) === true ? p.logStartOffset : p.highWatermark;
    if (reset >= 0n) this.#positions.set(k, reset);
  }

  /** Moves partitions whose offset is gone (retention) or beyond the end, like auto.offset.reset; false for any other error. */
  #outOfRange(error: unknown, names: Map<string, string>): boolean {
    const response = (error as { response?: FetchResponse }).response;
    if (response === undefined || !hasApiId(error, 'OFFSET_OUT_OF_RANGE')) return false;
    for (const t of response.responses ?? []) {
      const topic = names.get(t.topicId);
      if (topic === undefined) continue;
      for (const p of t.partitions) {
        if (p.errorCode === OFFSET_OUT_OF_RANGE)
          this.#resetPosition(topic, partitionKey(topic, p.partitionIndex), p);
      }
    }
    return true;
  }
}
