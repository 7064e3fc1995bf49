import {
  Base,
  type BaseOptions,
  type ConnectionPool,
  Consumer,
  type ConsumerOptions,
} from '@platformatic/kafka';
import { EventBusError } from '@switchyard/core';
import type { Log } from '@switchyard/core/transport';
import type { ResolvedKafkaOptions } from '../../options/options.ts';
import type { DriverConsumer, DriverConsumerHandlers } from '../driver.ts';
import { FetchLoop } from './platformatic-fetch-loop.ts';
import { holdRejoinOnRebalance } from './platformatic-rejoin-hold.ts';
import { startPositions } from './platformatic-start-positions.ts';

export type PlatformaticConsumerClient = Consumer<Buffer, Buffer, Buffer, Buffer>;

/** How the consumer makes its client and its fetch connections (tests hand in fakes). */
export interface PlatformaticConsumerFactories {
  readonly client: (options: ConsumerOptions<Buffer, Buffer, Buffer, Buffer>) => PlatformaticConsumerClient;
  /** Connections for fetches apart from heartbeats and commits; none by default (see `run()`). */
  readonly fetchPool?: (base: BaseOptions) => ConnectionPool;
}

const DEFAULT_FACTORIES: PlatformaticConsumerFactories = {
  client: (options) => new Consumer(options),
};

type Paused = ReadonlyArray<{ readonly topic: string; readonly partitions: readonly number[] }>;

/**
 * The assignors a classic-protocol member offers, preferred first. The client's own `roundrobin`
 * (Java's name), and kafkajs' `RoundRobinAssigner` (same subscription and assignment format,
 * version 0 as kafkajs writes it): a group with members on both drivers — a rolling switch from
 * the kafkajs driver — agrees on the one they share instead of refusing the new members with
 * INCONSISTENT_GROUP_PROTOCOL. Either member may then lead and assign round-robin.
 */
const CLASSIC_PROTOCOLS = [
  { name: 'roundrobin', version: 1 },
  { name: 'RoundRobinAssigner', version: 0 },
];

/**
 * @platformatic/kafka consumer behind the driver seam.
 *
 * Membership is the client's own: it joins the group with the classic protocol (`joinGroup()`) or
 * KIP-848 (`consume()`, whose stream is never read: a stream nobody reads does not fetch), heartbeats
 * and rejoins, and keeps `assignments` current. A rejoin that fails, or heartbeats that stall, end
 * this consumer (`onCrash`): the group member starts a new one. Fetching is the driver's own loop
 * ({@link FetchLoop}) over the client's `fetch()`; the adapter needs what the stream does not offer: per-partition
 * pause, seek, and taking only the front of a batch (the rest is fetched again). Offsets are
 * committed by hand.
 *
 * `stop()` closes the client (leaving the group); `run()` after it joins with a new client.
 */
export class PlatformaticConsumer implements DriverConsumer {
  readonly #options: ResolvedKafkaOptions;
  readonly #base: BaseOptions;
  readonly #group: string;
  readonly #log: Log;
  readonly #factories: PlatformaticConsumerFactories;
  /** Subscribed topics and whether a partition without a committed offset starts at the earliest one. */
  readonly #topics = new Map<string, boolean>();
  #client: PlatformaticConsumerClient | undefined;
  #fetchPool: ConnectionPool | undefined;
  readonly #fetching: FetchLoop;
  #handlers: DriverConsumerHandlers | undefined;
  /** A member of the current generation with its assignment applied: commits are allowed. */
  #member = false;
  /** A heartbeat said the group rebalances and the member's commit went before the rejoin. */
  #revoked = false;
  /** The client's `assignments` array last applied (it makes a new one on each change). */
  #seenAssignments: unknown = null;
  #running = false;
  #assigning: Promise<void> | undefined;
  /** Rejects the `run()` in progress (a crash before it resolved). */
  #joinFailed: ((error: unknown) => void) | undefined;
  /** The offsets of the commit in flight; emptied when the group rebalances under it. */
  #committing: Array<{ topic: string; partition: number; offset: bigint; leaderEpoch: number }> | undefined;

  constructor(
    options: ResolvedKafkaOptions,
    base: BaseOptions,
    group: string,
    log: Log,
    factories: PlatformaticConsumerFactories = DEFAULT_FACTORIES,
  ) {
    this.#options = options;
    this.#base = base;
    this.#group = group;
    this.#log = log;
    this.#factories = factories;
    this.#fetching = new FetchLoop(options, log, `group ${group}`, {
      prepare: () => this.#prepareFetch(),
      onBatch: (batch) => this.#handlers?.onBatch(batch) ?? 0,
      topics: this.#topics,
    });
  }

  async subscribe(topics: readonly string[], fromBeginning: boolean): Promise<void> {
    for (const topic of topics) this.#topics.set(topic, fromBeginning);
  }

  async run(handlers: DriverConsumerHandlers): Promise<void> {
    this.#handlers = handlers;
    const c = this.#options.consumer;
    // With KIP-848 the broker sets the session timeout and heartbeat interval (group.consumer.*);
    // the client still checks the values it was given, so they are passed either way.
    const client = this.#factories.client({
      ...this.#base,
      groupId: this.#group,
      autocommit: false,
      minBytes: c.minBytes,
      maxBytes: c.maxBytes,
      maxBytesPerPartition: c.maxBytesPerPartition,
      maxWaitTime: c.maxWaitTimeMs,
      ...(this.#options.groupProtocol === 'consumer'
        ? { groupProtocol: 'consumer' as const }
        : { protocols: CLASSIC_PROTOCOLS }),
      sessionTimeout: c.sessionTimeoutMs,
      rebalanceTimeout: c.rebalanceTimeoutMs,
      heartbeatInterval: c.heartbeatIntervalMs,
    } as ConsumerOptions<Buffer, Buffer, Buffer, Buffer>);
    this.#client = client;
    holdRejoinOnRebalance(client, () => this.#revoke(client));
    // A fetch pool of its own (`factories.fetchPool`) kept a group's second start from completing in
    // the integration suite: fetches share the client's connections until that is understood.
    this.#fetchPool = this.#factories.fetchPool?.(this.#base);
    client.on('consumer:group:join', () => {
      if (client !== this.#client) return;
      this.#voidCommit();
      this.#fetching.wake();
    });
    client.on('consumer:group:rebalance', () => {
      if (client !== this.#client) return;
      this.#voidCommit();
      // What was handled is committed now, as Java's consumer does before it gives partitions up
      // (onPartitionsRevoked): the client emits this just before it sends its JoinGroup, and the
      // commit, asked for first, goes out first on the coordinator's connection, where the broker
      // still takes the old generation's commits. Without it a partition moving to another member
      // was handled again from the last periodic commit (113-168 events at 2,000 events/s).
      // Commits after this one wait for the next assignment: they would be refused, and the
      // client answers a refused commit by rejoining once more. When a heartbeat brought the
      // rebalance, that commit was made before (#revoke), after the handlers running then.
      if (this.#member && !this.#revoked) void this.#handlers?.onRebalancing(false);
      this.#revoked = false;
      this.#member = false;
    });
    // The client emits 'error' when a rejoin failed (it stops heartbeating) and 'stalled' when no
    // heartbeat succeeded for a rebalance timeout: either way it is no longer a member.
    client.on('error', (error: unknown) => this.#crashed(client, error));
    client.on('consumer:heartbeat:stalled', (payload: { lastError?: unknown; stalledFor?: number }) =>
      this.#crashed(
        client,
        payload?.lastError ??
          new Error(`The consumer of group ${this.#group} could not heartbeat for ${payload?.stalledFor} ms`),
      ),
    );

    const joinTimeoutMs = c.rebalanceTimeoutMs + c.sessionTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const failed = new Promise<never>((_, reject) => {
      this.#joinFailed = reject;
      timer = setTimeout(
        () =>
          reject(
            new EventBusError(
              'TIMEOUT',
              `The consumer did not join group ${this.#group} within ${joinTimeoutMs} ms (rebalance plus session timeout).`,
              { retriable: true, details: { group: this.#group } },
            ),
          ),
        joinTimeoutMs,
      );
    });
    try {
      const joined = this.#join(client);
      joined.catch(() => undefined);
      await Promise.race([joined, failed]);
    } catch (error) {
      this.#running = false;
      this.#member = false;
      throw error;
    } finally {
      clearTimeout(timer);
      this.#joinFailed = undefined;
    }
    this.#fetching.start(client, this.#fetchPool);
  }

  async #join(client: PlatformaticConsumerClient): Promise<void> {
    const topics = [...this.#topics.keys()];
    if (this.#options.groupProtocol === 'consumer') {
      // KIP-848: only `consume()` joins. Its stream reads offsets on each assignment and destroys
      // itself when that fails: a crash, as for any other loss of the client.
      const stream = await client.consume({
        topics,
        autocommit: false,
        mode: 'committed',
        fallbackMode: 'earliest',
      });
      stream.on('error', (error: unknown) => this.#crashed(client, error));
    } else {
      for (const topic of topics) client.topics.track(topic);
      await client.joinGroup({});
    }
    if (client !== this.#client) throw new Error('The consumer was stopped while joining');
    this.#running = true;
    // Wait for the first assignment (KIP-848 hands it over with a later heartbeat).
    while (client.assignments === null || client.assignments === undefined) {
      if (client !== this.#client) throw new Error('The consumer was stopped while joining');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await this.#checkAssignment();
  }

  #crashed(client: PlatformaticConsumerClient, error: unknown): void {
    if (client !== this.#client) return;
    if (this.#joinFailed !== undefined) {
      this.#joinFailed(error);
      return;
    }
    if (!this.#running) return; // reported already
    this.#member = false;
    this.#running = false;
    this.#fetching.stop();
    this.#handlers?.onCrash(error, false);
  }

  /** Takes a new assignment from the client: positions from the committed offsets, then `onAssigned`. */
  async #checkAssignment(): Promise<void> {
    const client = this.#client;
    if (client === undefined) return;
    if (this.#assigning !== undefined) return this.#assigning;
    const assignments = client.assignments;
    if (assignments === null || assignments === undefined || assignments === this.#seenAssignments) return;
    this.#assigning = this.#assign(client, assignments).finally(() => {
      this.#assigning = undefined;
    });
    await this.#assigning;
    // The client may have moved on while the offsets were read.
    if (client === this.#client && client.assignments !== this.#seenAssignments)
      await this.#checkAssignment();
  }

  async #assign(
    client: PlatformaticConsumerClient,
    assignments: NonNullable<PlatformaticConsumerClient['assignments']>,
  ): Promise<void> {
    // Nothing of the old assignment is fetched or committed from here on. `#seenAssignments` moves
    // only once the positions are in: a failed lookup is tried again by the fetch loop.
    this.#fetching.invalidate();
    this.#member = false;
    const assignment = new Map<string, number[]>();
    for (const a of assignments) {
      if (!this.#topics.has(a.topic)) continue;
      assignment.set(
        a.topic,
        [...(assignment.get(a.topic) ?? []), ...a.partitions].sort((x, y) => x - y),
      );
    }
    const positions = await startPositions(client, assignment, (topic) => this.#topics.get(topic) === true);
    if (client !== this.#client) return;
    this.#seenAssignments = assignments;
    this.#fetching.assign(assignment, positions);
    this.#member = true;
    this.#handlers?.onAssigned(assignment);
  }

  /** Before each round of fetches: the client's current assignment applied, or false. */
  async #prepareFetch(): Promise<boolean> {
    const client = this.#client;
    if (!this.#running || client === undefined) return false;
    if (client.assignments !== this.#seenAssignments) {
      try {
        await this.#checkAssignment();
      } catch (error) {
        // Not the old assignment either: it may belong to another member by now.
        if (client === this.#client) this.#fetching.retryLater(error, 'reading the start offsets');
        return false;
      }
    }
    return client === this.#client && this.#running && this.#assigning === undefined;
  }

  async stop(): Promise<void> {
    await this.#close();
  }

  async #close(): Promise<void> {
    this.#member = false;
    this.#running = false;
    this.#fetching.stop();
    const client = this.#client;
    const pool = this.#fetchPool;
    this.#client = undefined;
    this.#fetchPool = undefined;
    this.#seenAssignments = null;
    try {
      await client?.close(true);
    } catch (error) {
      // When leaving the group fails the client returns before closing its connections: the
      // broker drops the member after the session timeout, the sockets are closed here.
      this.#log(
        'warn',
        `the consumer of group ${this.#group} could not leave the group: ${(error as Error)?.message ?? error}`,
      );
      try {
        await Base.prototype.close.call(client);
      } catch {
        // closed as far as it goes
      }
    }
    await pool?.close().catch(() => undefined);
  }

  seek(topic: string, partition: number, offset: string): void {
    this.#fetching.seek(topic, partition, BigInt(offset));
  }

  setPaused(paused: Paused): void {
    this.#fetching.setPaused(paused);
  }

  async commit(
    offsets: ReadonlyArray<{ readonly topic: string; readonly partition: number; readonly offset: string }>,
  ): Promise<void> {
    if (offsets.length === 0) return;
    const client = this.#client;
    if (!this.#member || client === undefined) throw this.#notMember();
    const request = offsets.map((o) => ({
      topic: o.topic,
      partition: o.partition,
      offset: BigInt(o.offset),
      leaderEpoch: -1,
    }));
    // The client answers a commit refused for the generation by rejoining and committing the same
    // offsets again under the new one, whose assignment may give them to another member: the
    // request is emptied when the group rebalances under it (see #voidCommit).
    this.#committing = request;
    try {
      await client.commit({ offsets: request });
    } finally {
      if (this.#committing === request) this.#committing = undefined;
    }
    if (request.length === 0) throw this.#notMember();
  }

  /**
   * A heartbeat answered that the group rebalances; the client rejoins once this settles: the
   * member's handlers running now end (bounded by the member) and what they handled is committed.
   */
  #revoke(client: PlatformaticConsumerClient): Promise<void> | undefined {
    if (client !== this.#client || !this.#member || this.#handlers === undefined) return undefined;
    this.#revoked = true;
    return this.#handlers.onRebalancing(true);
  }

  /** Empties the offsets of the commit in flight: the client reads them again when it commits after a rejoin. */
  #voidCommit(): void {
    if (this.#committing !== undefined) this.#committing.length = 0;
  }

  #notMember(): Error {
    return Object.assign(new Error(`Not a member of group ${this.#group} right now`), {
      type: 'UNKNOWN_MEMBER_ID',
    });
  }

  async disconnect(): Promise<void> {
    await this.#close();
  }

  pausedPartitions(): Paused {
    return this.#fetching.pausedList;
  }
}
