import { type BaseOptions, type ClusterMetadata, Consumer, type ConsumerOptions } from '@platformatic/kafka';
import type { Log } from '@switchyard/core/transport';
import type { ResolvedKafkaOptions } from '../../options/options.ts';
import type { DriverConsumer, DriverConsumerHandlers, DriverInbound } from '../driver.ts';
import { headerNameString, headerString } from '../header-strings.ts';
import { hasApiId } from './platformatic-driver.ts';

type FetchOptions = Parameters<Consumer['fetch']>[0];
type FetchRequestTopic = FetchOptions['topics'][number];
type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>;

const IS_CONTROL = 0b10_0000;
const OFFSET_OUT_OF_RANGE = 1;
/** How long the loop sleeps when there is nothing to fetch (every partition paused, or none assigned). */
const IDLE_MS = 50;

type Paused = ReadonlyArray<{ readonly topic: string; readonly partitions: readonly number[] }>;

/**
 * @platformatic/kafka consumer behind the driver seam.
 *
 * Membership is the client's own: `consume()` joins the group with the classic protocol or KIP-848
 * (`groupProtocol: 'consumer'`), heartbeats and rejoins, and keeps `assignments` current. The
 * stream it returns is never read (a stream nobody reads does not fetch); fetching is this class's
 * loop over the client's `fetch()` (one request in flight per broker, incremental fetch sessions),
 * because the adapter needs what the stream does not offer: per-partition pause, seek, and taking
 * only the front of a batch (the rest is fetched again). Offsets are committed by hand.
 *
 * `stop()` closes the client (leaving the group); `run()` after it joins with a new client.
 */
export class PlatformaticConsumer implements DriverConsumer {
  readonly #options: ResolvedKafkaOptions;
  readonly #base: BaseOptions;
  readonly #group: string;
  readonly #log: Log;
  /** Subscribed topics and whether a partition without a committed offset starts at the earliest one. */
  readonly #topics = new Map<string, boolean>();
  #client: Consumer | undefined;
  #handlers: DriverConsumerHandlers | undefined;
  #member = false;
  /** Next offset to fetch per `topic:partition` of the current assignment. */
  #positions = new Map<string, bigint>();
  #assignment = new Map<string, number[]>();
  /** The client's `assignments` array last handled (it makes a new one on each change). */
  #seenAssignments: unknown = null;
  /** Bumped on each assignment and stop: responses to older requests are dropped. */
  #epoch = 0;
  #paused = new Set<string>();
  #pausedList: Paused = [];
  readonly #inflight = new Set<number>();
  #wakeTimer: NodeJS.Timeout | undefined;
  #running = false;
  #assigning: Promise<void> | undefined;

  constructor(options: ResolvedKafkaOptions, base: BaseOptions, group: string, log: Log) {
    this.#options = options;
    this.#base = base;
    this.#group = group;
    this.#log = log;
  }

  async subscribe(topics: readonly string[], fromBeginning: boolean): Promise<void> {
    for (const topic of topics) this.#topics.set(topic, fromBeginning);
  }

  async run(handlers: DriverConsumerHandlers): Promise<void> {
    this.#handlers = handlers;
    const c = this.#options.consumer;
    // With KIP-848 the broker sets the session timeout and heartbeat interval (group.consumer.*);
    // the client still checks the values it was given, so they are passed either way.
    const group = {
      ...(this.#options.groupProtocol === 'consumer' ? { groupProtocol: 'consumer' as const } : {}),
      sessionTimeout: c.sessionTimeoutMs,
      rebalanceTimeout: c.rebalanceTimeoutMs,
      heartbeatInterval: c.heartbeatIntervalMs,
    };
    const client = new Consumer({
      ...this.#base,
      groupId: this.#group,
      autocommit: false,
      minBytes: c.minBytes,
      maxBytes: c.maxBytes,
      maxBytesPerPartition: c.maxBytesPerPartition,
      maxWaitTime: c.maxWaitTimeMs,
      ...group,
    } as ConsumerOptions<Buffer, Buffer, Buffer, Buffer>);
    this.#client = client;
    client.on('consumer:group:join', () => this.#wake());
    client.on('consumer:group:rebalance', () => {
      if (client === this.#client) this.#handlers?.onRebalancing();
    });
    client.on('error', (error: unknown) => {
      if (client !== this.#client) return;
      this.#log('warn', `the consumer of group ${this.#group} failed: ${(error as Error)?.message ?? error}`);
    });

    const joinTimeoutMs = c.rebalanceTimeoutMs + c.sessionTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            Object.assign(
              new Error(`The consumer did not join group ${this.#group} within ${joinTimeoutMs} ms`),
              {
                code: 'PLT_KFK_TIMEOUT',
              },
            ),
          ),
        joinTimeoutMs,
      );
    });
    try {
      const joined = (async () => {
        const stream = await client.consume({
          topics: [...this.#topics.keys()],
          autocommit: false,
          mode: 'committed',
          fallbackMode: 'earliest',
        });
        stream.on('error', (error: unknown) => this.#crashed(client, error));
        this.#member = true;
        this.#running = true;
        // Wait for the first assignment (KIP-848 hands it over with a later heartbeat).
        while (client.assignments === null || client.assignments === undefined) {
          if (client !== this.#client) throw new Error('The consumer was stopped while joining');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await this.#checkAssignment();
      })();
      joined.catch(() => undefined);
      await Promise.race([joined, deadline]);
    } catch (error) {
      this.#running = false;
      this.#member = false;
      throw error;
    } finally {
      clearTimeout(timer);
    }
    this.#wake();
  }

  #crashed(client: Consumer, error: unknown): void {
    if (client !== this.#client) return;
    this.#member = false;
    this.#running = false;
    this.#handlers?.onCrash(error, false);
  }

  /** Takes a new assignment from the client: positions from the committed offsets, then `onAssigned`. */
  async #checkAssignment(): Promise<void> {
    const client = this.#client;
    if (client === undefined) return;
    const assignments = client.assignments;
    if (assignments === null || assignments === this.#seenAssignments) return;
    if (this.#assigning !== undefined) return this.#assigning;
    this.#seenAssignments = assignments;
    this.#assigning = (async () => {
      this.#epoch++;
      const assignment = new Map<string, number[]>();
      for (const a of assignments) {
        if (!this.#topics.has(a.topic)) continue;
        assignment.set(
          a.topic,
          [...(assignment.get(a.topic) ?? []), ...a.partitions].sort((x, y) => x - y),
        );
      }
      const positions = await this.#startPositions(client, assignment);
      if (client !== this.#client) return;
      this.#assignment = assignment;
      this.#positions = positions;
      this.#member = true;
      this.#handlers?.onAssigned(assignment);
      this.#applyPaused();
    })().finally(() => {
      this.#assigning = undefined;
    });
    await this.#assigning;
    // The client may have moved on while the offsets were read.
    if (client.assignments !== this.#seenAssignments) await this.#checkAssignment();
  }

  async #startPositions(client: Consumer, assignment: Map<string, number[]>): Promise<Map<string, bigint>> {
    const positions = new Map<string, bigint>();
    if (assignment.size === 0) return positions;
    const topics = [...assignment].map(([topic, partitions]) => ({ topic, partitions }));
    const committed = await client.listCommittedOffsets({ topics });
    const missing = new Map<boolean, Map<string, number[]>>();
    for (const [topic, partitions] of assignment) {
      const offsets = committed.get(topic) ?? [];
      for (const partition of partitions) {
        const offset = offsets[partition];
        if (offset !== undefined && offset >= 0n) {
          positions.set(key(topic, partition), offset);
          continue;
        }
        const earliest = this.#topics.get(topic) === true;
        const byTopic = missing.get(earliest) ?? new Map<string, number[]>();
        missing.set(earliest, byTopic);
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
      }
    }
    for (const [earliest, byTopic] of missing) {
      const listed = await client.listOffsets({
        topics: [...byTopic.keys()],
        partitions: Object.fromEntries(byTopic),
        timestamp: earliest ? -2n : -1n,
      });
      for (const [topic, partitions] of byTopic) {
        const offsets = listed.get(topic) ?? [];
        for (const partition of partitions) positions.set(key(topic, partition), offsets[partition] ?? 0n);
      }
    }
    return positions;
  }

  #wake(): void {
    if (this.#wakeTimer !== undefined) {
      clearTimeout(this.#wakeTimer);
      this.#wakeTimer = undefined;
    }
    setImmediate(() => void this.#pump());
  }

  /** Starts a fetch on every broker that leads an unpaused assigned partition and has none in flight. */
  async #pump(): Promise<void> {
    const client = this.#client;
    if (!this.#running || client === undefined) return;
    if (client.assignments !== this.#seenAssignments) {
      await this.#checkAssignment().catch((error: unknown) => this.#retryLater(error));
      if (client !== this.#client) return;
    }
    if (this.#assigning !== undefined) return;
    let metadata: ClusterMetadata;
    try {
      metadata = await client.metadata({ topics: [...this.#topics.keys()] });
    } catch (error) {
      this.#retryLater(error);
      return;
    }
    if (client !== this.#client || !this.#running) return;
    const byNode = new Map<
      number,
      Map<string, { topicId: string; partitions: FetchRequestTopic['partitions'] }>
    >();
    const maxBytes = this.#options.consumer.maxBytesPerPartition;
    for (const [topic, partitions] of this.#assignment) {
      const topicMetadata = metadata.topics.get(topic);
      if (topicMetadata === undefined) continue;
      for (const partition of partitions) {
        const k = key(topic, partition);
        if (this.#paused.has(k)) continue;
        const offset = this.#positions.get(k);
        const leader = topicMetadata.partitions[partition]?.leader;
        if (offset === undefined || leader === undefined || leader < 0 || this.#inflight.has(leader))
          continue;
        let topics = byNode.get(leader);
        if (topics === undefined) {
          topics = new Map();
          byNode.set(leader, topics);
        }
        let entry = topics.get(topic);
        if (entry === undefined) {
          entry = { topicId: topicMetadata.id, partitions: [] };
          topics.set(topic, entry);
        }
        entry.partitions.push({
          partition,
          fetchOffset: offset,
          partitionMaxBytes: maxBytes,
          currentLeaderEpoch: -1,
          lastFetchedEpoch: -1,
        });
      }
    }
    if (byNode.size === 0) {
      if (this.#inflight.size === 0) this.#wakeTimer ??= setTimeout(() => this.#wake(), IDLE_MS);
      return;
    }
    for (const [node, topics] of byNode) void this.#fetchFrom(client, node, topics);
  }

  async #fetchFrom(
    client: Consumer,
    node: number,
    topics: Map<string, { topicId: string; partitions: FetchRequestTopic['partitions'] }>,
  ): Promise<void> {
    this.#inflight.add(node);
    const epoch = this.#epoch;
    const names = new Map<string, string>();
    for (const [topic, { topicId }] of topics) names.set(topicId, topic);
    let failed = false;
    try {
      const c = this.#options.consumer;
      const response = await client.fetch({
        node,
        topics: [...topics.values()],
        minBytes: c.minBytes,
        maxBytes: c.maxBytes,
        maxWaitTime: c.maxWaitTimeMs,
      });
      if (epoch === this.#epoch && client === this.#client) this.#deliver(response, names, topics);
    } catch (error) {
      failed = true;
      if (epoch === this.#epoch && client === this.#client) this.#fetchFailed(error, names);
    } finally {
      this.#inflight.delete(node);
      if (client === this.#client && this.#running) {
        if (failed)
          this.#wakeTimer ??= setTimeout(() => this.#wake(), this.#options.retry.initialRetryTimeMs);
        else this.#wake();
      }
    }
  }

  #deliver(
    response: FetchResponse,
    names: Map<string, string>,
    requested: Map<string, { topicId: string; partitions: FetchRequestTopic['partitions'] }>,
  ): void {
    const handlers = this.#handlers;
    if (handlers === undefined) return;
    for (const topicResponse of response.responses) {
      const topic = names.get(topicResponse.topicId);
      if (topic === undefined) continue;
      const asked = requested.get(topic)!.partitions;
      for (const p of topicResponse.partitions) {
        const partition = p.partitionIndex;
        const k = key(topic, partition);
        const fetchedAt = asked.find(
          (a: FetchRequestTopic['partitions'][number]) => a.partition === partition,
        )?.fetchOffset;
        // A partition the fetch session still lists, moved (seek) or paused since: not this fetch's.
        if (fetchedAt === undefined || this.#positions.get(k) !== fetchedAt || this.#paused.has(k)) continue;
        const batches = p.records;
        if (batches === undefined || batches === null || batches.length === 0) continue;
        const messages: DriverInbound[] = [];
        let next = fetchedAt;
        for (const batch of batches) {
          const last = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
          if ((batch.attributes & IS_CONTROL) === 0) {
            for (const record of batch.records) {
              const offset = batch.firstOffset + BigInt(record.offsetDelta);
              if (offset < fetchedAt) continue;
              messages.push({
                offset: String(offset),
                key: record.key,
                value: record.value,
                headers: headersOf(record.headers),
                timestamp: String(batch.firstTimestamp + record.timestampDelta),
              });
            }
          }
          if (last > next) next = last;
        }
        if (messages.length === 0) {
          this.#positions.set(k, next);
          continue;
        }
        const taken = handlers.onBatch({ topic, partition, messages });
        // Handlers may have sought or been reassigned meanwhile: only move a position still ours.
        if (this.#positions.get(k) !== fetchedAt) continue;
        if (taken >= messages.length) this.#positions.set(k, next);
        else if (taken > 0) this.#positions.set(k, BigInt(messages[taken]!.offset));
      }
    }
  }

  #fetchFailed(error: unknown, names: Map<string, string>): void {
    const response = (error as { response?: FetchResponse }).response;
    if (response !== undefined && hasApiId(error, 'OFFSET_OUT_OF_RANGE')) {
      for (const t of response.responses ?? []) {
        const topic = names.get(t.topicId);
        if (topic === undefined) continue;
        for (const p of t.partitions) {
          if (p.errorCode !== OFFSET_OUT_OF_RANGE) continue;
          // The committed offset is gone (retention) or beyond the end: like auto.offset.reset.
          const reset = this.#topics.get(topic) === true ? p.logStartOffset : p.highWatermark;
          if (reset >= 0n) this.#positions.set(key(topic, p.partitionIndex), reset);
        }
      }
      return;
    }
    this.#retryLater(error);
  }

  #retryLater(error: unknown): void {
    this.#log(
      'warn',
      `fetching for group ${this.#group} failed, trying again: ${(error as Error)?.message ?? error}`,
    );
  }

  async stop(): Promise<void> {
    await this.#close();
  }

  async #close(): Promise<void> {
    this.#member = false;
    this.#running = false;
    this.#epoch++;
    clearTimeout(this.#wakeTimer);
    this.#wakeTimer = undefined;
    const client = this.#client;
    this.#client = undefined;
    this.#seenAssignments = null;
    this.#assignment = new Map();
    this.#positions = new Map();
    if (client !== undefined) await client.close(true).catch(() => undefined);
  }

  seek(topic: string, partition: number, offset: string): void {
    this.#positions.set(key(topic, partition), BigInt(offset));
  }

  setPaused(paused: Paused): void {
    this.#pausedList = paused;
    this.#applyPaused();
  }

  #applyPaused(): void {
    const wasPaused = this.#paused;
    this.#paused = new Set();
    for (const { topic, partitions } of this.#pausedList) {
      for (const partition of partitions) this.#paused.add(key(topic, partition));
    }
    for (const k of wasPaused) {
      if (!this.#paused.has(k)) {
        this.#wake();
        break;
      }
    }
  }

  async commit(
    offsets: ReadonlyArray<{ readonly topic: string; readonly partition: number; readonly offset: string }>,
  ): Promise<void> {
    if (offsets.length === 0) return;
    const client = this.#client;
    if (!this.#member || client === undefined) {
      throw Object.assign(new Error(`Not a member of group ${this.#group} right now`), {
        type: 'UNKNOWN_MEMBER_ID',
      });
    }
    await client.commit({
      offsets: offsets.map((o) => ({
        topic: o.topic,
        partition: o.partition,
        offset: BigInt(o.offset),
        leaderEpoch: -1,
      })),
    });
  }

  async disconnect(): Promise<void> {
    await this.#close();
  }

  pausedPartitions(): Paused {
    return this.#pausedList;
  }
}

function key(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/** Headers as strings; a null value is left out, the last of a repeated name wins (as in Java's `lastHeader`). */
function headersOf(headers: ReadonlyArray<[Buffer | null, Buffer | null]>): Record<string, string> {
  const out: Record<string, string> = {};
  let slot = 0;
  for (const [name, value] of headers) {
    if (name === null || value === null) continue;
    const n = headerNameString(name, slot);
    out[n] = headerString(n, value, slot++);
  }
  return out;
}
