import type { ConsumerLag } from '@switchyard/core';
import {
  type ConsumeRequest,
  type ConsumerHandle,
  type InboundMessage,
  LoopWaker,
  waitAtMost,
} from '@switchyard/core/transport';
import { AckBatch } from './ack-batch.ts';
import type { RedisConnection } from './connection.ts';
import { DelayedRedeliveries } from './delayed-redeliveries.ts';
import { EntryDecoder } from './entry.ts';
import { ensureGroup, groupLag } from './group.ts';
import { GroupReader } from './group-reader.ts';
import { isGroupGone } from './map-error.ts';
import { MessagesById } from './messages-by-id.ts';
import { type Entry, PendingList } from './pending-list.ts';
import type { ReadConnection } from './read-connection.ts';
import { type MessageOwner, RedisMessage } from './redis-message.ts';

export interface StreamConsumerDeps {
  readonly request: ConsumeRequest;
  readonly onMessages: (messages: readonly InboundMessage[]) => void;
  /** The transport's shared connection: acks, leases, claims, group admin. */
  readonly main: RedisConnection;
  /** This member's own connection for blocking reads. */
  readonly reader: ReadConnection;
  /** The topic's stream key. */
  readonly key: string;
  /** This member's consumer name in the group. */
  readonly consumer: string;
  readonly leaseMs: number;
  readonly claimIntervalMs: number;
  readonly idleConsumerTimeoutMs: number;
  readonly fetchExpiresMs: number;
  /** Create the stream with the group when it does not exist (`autoCreateTopics`). */
  readonly mkstream: boolean;
  readonly onError: (error: unknown) => void;
  /** Entries that were trimmed from the stream while they were pending: lost for the group. */
  readonly onTrimmed: (count: number) => void;
}

/** Idle time given to entries released at stop: past any member's lease, so the next claim takes them. */
const RELEASE_IDLE_MS = 86_400_000;
/** Longest each step of `stop()` waits for Redis. */
export const STOP_WAIT_MS = 2_000;

/**
 * One member of a consumer group on one stream. A blocking `XREADGROUP … >` on its own connection
 * takes at most the free share of `prefetch` (credit); acks are batched into one `XACK` per turn of
 * the event loop. Pending entries are leased: the member renews the leases of what it holds every
 * half lease (up to `ackTimeoutMs` per event), claims entries whose lease expired elsewhere
 * (`XAUTOCLAIM`, the delivery count becoming `attempt`), and at stop releases what it still holds
 * so the next member takes it at once.
 *
 * `nack()` without delay holds the entry and hands it over again on resume (it stays in this
 * member's pending list meanwhile); `nack({ delayMs })` keeps only the id, renews its lease, and
 * re-claims the entry with its next attempt number after the delay — a crash meanwhile leaves it
 * in the pending list, where another member claims it with the same number.
 */
export class StreamConsumer implements ConsumerHandle, MessageOwner {
  readonly #deps: StreamConsumerDeps;
  readonly #pending: PendingList;
  readonly #threshold: number;
  readonly #unsettled = new MessagesById();
  readonly #decoder = new EntryDecoder();
  #held: RedisMessage[] = [];
  readonly #delayed = new DelayedRedeliveries(() => this.#takeDue());
  readonly #acks: AckBatch;
  #released: string[] = [];
  #paused = false;
  #stopped = false;
  #groupStart: '0' | '$';
  #needsGroup = true;
  #rereadPending = false;
  #claimCursor = '0-0';
  #claiming = false;
  readonly #reader: GroupReader;
  readonly #waker = new LoopWaker();
  #loop: Promise<void> = Promise.resolve();
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(deps: StreamConsumerDeps) {
    this.#deps = deps;
    this.#pending = new PendingList(deps.main.client, deps.key, deps.request.group, deps.consumer);
    this.#acks = new AckBatch(deps.main.client, deps.key, deps.request.group, deps.onError);
    this.#reader = new GroupReader(
      deps.reader,
      deps.key,
      deps.request.group,
      deps.consumer,
      deps.fetchExpiresMs,
    );
    this.#groupStart = deps.request.startFrom === 'latest' ? '$' : '0';
    // Read again once a quarter of the prefetch is free: fewer, fuller reads under load.
    this.#threshold = Math.max(1, Math.floor(deps.request.prefetch / 4));
  }

  /** Creates the group (errors reach the caller), then reads in the background. */
  async start(): Promise<void> {
    await this.#deps.main.connect();
    await this.#ensureGroup();
    // After a reconnect, the reply of the read in flight may have been lost with the old connection.
    await this.#reader.start(() => this.reconnected());
    // Never rejects: what escapes the loop is reported (a close waits on it, bounded, and goes on).
    this.#loop = this.#run().catch((error: unknown) => this.#deps.onError(error));
    const { leaseMs, claimIntervalMs, idleConsumerTimeoutMs } = this.#deps;
    this.#every(leaseMs / 2, () => this.#renewLeases());
    this.#every(Math.min(claimIntervalMs, leaseMs / 2), () => this.#claim());
    this.#every(Math.min(idleConsumerTimeoutMs / 2, 60_000), () => this.#prune());
    void this.#claim(); // entries released by a member that closed, or left by one that crashed
  }

  /** Called by the transport when a connection is back: replies lost with it may have left entries here. */
  reconnected(): void {
    this.#rereadPending = true;
    this.#waker.poke();
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    const held = this.#held;
    this.#held = [];
    this.#handOver(held);
    this.#takeDue();
    this.#waker.poke();
  }

  async lag(): Promise<ConsumerLag> {
    return groupLag(this.#deps.main.client, this.#deps.key, this.#deps.request.group);
  }

  /** `stop()` found the server not answering (it hangs with the connection open). */
  unanswered = false;

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const timer of this.#timers) clearInterval(timer);
    const { main } = this.#deps;
    this.#waker.poke();
    this.#waker.endSleep();
    // Every wait below is bounded: while Redis is unreachable, commands wait for it (a command sent
    // as the connection dies is resent after the reconnect), and a close must not. What is not
    // acknowledged or released here stays in the pending list and comes back through a claim.
    const answered = await this.#reader.close(main, this.#loop, STOP_WAIT_MS);
    // Without the server the loop waits on a command queued until a reconnect: not waited for
    // (the transport's close then drops the connection, which fails that command).
    if (main.ready) await waitAtMost(this.#loop, STOP_WAIT_MS);
    // A server that did not answer the wake-up hangs: nothing more is waited for (the acks and
    // releases not sent leave their entries pending, and a claim hands them on).
    this.unanswered = !answered;
    // Without the server the acks would wait in the client's queue for a reconnect (2 s when some
    // were due): they are left, and their entries are claimed again like the rest.
    if (answered && main.ready) await waitAtMost(this.#acks.flush(), STOP_WAIT_MS);
    const release = [
      ...this.#unsettled.ids(),
      ...this.#held.map((m) => m.offset),
      ...this.#delayed.clear(),
      ...this.#released,
    ];
    this.#unsettled.clear();
    this.#held = [];
    if (!main.ready || !answered) return;
    const leave = async () => {
      await this.#pending.touch(release, { idleMs: RELEASE_IDLE_MS });
      // Leave the group when nothing is pending here any more (a clean close leaves no member behind).
      await this.#pending.prune(this.#deps.idleConsumerTimeoutMs, true);
    };
    await waitAtMost(
      leave().catch((error: unknown) => this.#deps.onError(error)),
      STOP_WAIT_MS,
    );
  }

  settle(message: RedisMessage, outcome: 'ack' | 'nack', delayMs?: number, nextAttempt?: number): void {
    message.settled = true;
    const id = message.offset;
    const known = this.#unsettled.delete(id);
    if (outcome === 'ack') {
      // Even when its lease went to another member: the work is done, and an ack is idempotent.
      this.#acks.add(id);
    } else if (known) {
      if (this.#stopped) this.#released.push(id);
      else if (delayMs !== undefined && delayMs > 0)
        this.#delay(id, delayMs, nextAttempt ?? message.attempt + 1);
      else this.#hold(message);
    }
    if (!this.#paused && this.#credit() >= this.#threshold) this.#waker.poke();
  }

  working(message: RedisMessage): void {
    message.since = performance.now();
    void this.#pending.touch([message.offset]).catch((error: unknown) => this.#deps.onError(error));
  }

  #credit(): number {
    return this.#deps.request.prefetch - this.#unsettled.size - this.#held.length;
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopped) {
      const credit = this.#credit();
      if (this.#paused || credit < this.#threshold) {
        await this.#waker.untilPoked();
        continue;
      }
      try {
        if (this.#needsGroup) await this.#ensureGroup();
        if (this.#rereadPending) {
          this.#rereadPending = false;
          await this.#readOwnPending();
          continue;
        }
        const { entries, lost } = await this.#reader.read(credit);
        failures = 0;
        if (entries !== null) this.#receive(entries, 1);
        else if (lost && !this.#stopped) this.#rereadPending = true;
      } catch (error) {
        if (this.#stopped) break;
        if (isGroupGone(error)) {
          // The stream or group vanished (deleted, or a server restart without persistence): re-create
          // it from the start of what the stream holds now, so events written since are not skipped.
          this.#needsGroup = true;
          this.#groupStart = '0';
        }
        failures++;
        this.#deps.onError(error);
        await this.#waker.sleep(Math.min(100 * 2 ** (failures - 1), 5_000));
      }
    }
  }

  async #ensureGroup(): Promise<void> {
    const { main, key, request, mkstream } = this.#deps;
    await ensureGroup(main.client, key, request.group, this.#groupStart, mkstream);
    this.#needsGroup = false;
    // Once created, a group that vanishes is re-created at 0 (see #run).
    this.#groupStart = '0';
  }

  /** Hands entries over; `attempts` is one number for all, or one per entry. */
  #receive(entries: readonly Entry[], attempts: number | readonly number[]): void {
    const batch: RedisMessage[] = [];
    let trimmed = 0;
    for (let i = 0; i < entries.length; i++) {
      const [rawId, fields] = entries[i]!;
      const id = rawId.toString('latin1');
      if (fields === null) {
        trimmed++;
        this.#acks.add(id);
        continue;
      }
      if (this.#unsettled.has(id)) continue; // already with core (read again from the pending list)
      if (this.#stopped) {
        this.#released.push(id);
        continue;
      }
      const attempt = typeof attempts === 'number' ? attempts : (attempts[i] ?? 1);
      const message = RedisMessage.fromFields(
        this,
        this.#decoder,
        this.#deps.request.topic,
        id,
        fields,
        attempt,
      );
      this.#unsettled.set(id, message);
      batch.push(message);
    }
    if (trimmed > 0) this.#deps.onTrimmed(trimmed);
    this.#deliver(batch);
  }

  #handOver(messages: readonly RedisMessage[]): void {
    const batch: RedisMessage[] = [];
    for (const old of messages) {
      const message = old.again();
      this.#unsettled.set(message.offset, message);
      batch.push(message);
    }
    this.#deliver(batch);
  }

  #deliver(batch: RedisMessage[]): void {
    if (batch.length === 0) return;
    try {
      this.#deps.onMessages(batch);
    } catch (error) {
      this.#deps.onError(error);
    }
  }

  #hold(message: RedisMessage): void {
    if (this.#paused) {
      this.#held.push(message);
      return;
    }
    // Not paused (a handler given back while the subscription runs): hand it over in the next turn.
    this.#held.push(message);
    setImmediate(() => {
      if (this.#paused || this.#stopped) return;
      const held = this.#held;
      this.#held = [];
      this.#handOver(held);
    });
  }

  #delay(id: string, delayMs: number, attempt: number): void {
    this.#delayed.schedule(id, delayMs, attempt);
    // Recorded in the pending list: a member that claims it after a crash reports the same attempt
    // (a claim adds one delivery).
    void this.#pending
      .touch([id], { retryCount: attempt - 1 })
      .catch((error: unknown) => this.#deps.onError(error));
  }

  /** Takes back the entries whose delay passed, with their attempt numbers, and hands them over. */
  #takeDue(): void {
    if (this.#paused || this.#stopped) return;
    for (const [attempt, ids] of this.#delayed.takeDue()) {
      this.#pending.take(ids, attempt).then(
        (entries) => this.#receive(entries, attempt),
        (error: unknown) => {
          this.#deps.onError(error);
          // Still in the pending list: it comes back through a claim once its lease runs out.
        },
      );
    }
  }

  /** Entries in this member's pending list that it does not know: replies lost with a connection. */
  async #readOwnPending(): Promise<void> {
    const held = new Set(this.#held.map((m) => m.offset));
    const { entries, attempts } = await this.#pending.takeUnknown(
      this.#deps.request.prefetch,
      (id) => this.#unsettled.has(id) || held.has(id) || this.#delayed.has(id),
    );
    if (entries.length > 0) this.#receive(entries, attempts);
  }

  /** Renews the leases of what this member holds; what it lost to another member is dropped. */
  async #renewLeases(): Promise<void> {
    if (this.#stopped || !this.#deps.main.ready) return;
    const now = performance.now();
    const limit = this.#deps.request.ackTimeoutMs;
    const ids: string[] = [];
    for (const message of this.#unsettled.messages())
      if (now - message.since < limit) ids.push(message.offset);
    for (const message of this.#held) ids.push(message.offset);
    for (const id of this.#delayed.waiting()) ids.push(id);
    if (ids.length === 0) return;
    try {
      const lost = await this.#pending.touch(ids);
      for (const id of lost) {
        this.#unsettled.delete(id);
        this.#delayed.cancel(id);
      }
      if (lost.length > 0) this.#held = this.#held.filter((m) => !lost.includes(m.offset));
    } catch (error) {
      this.#deps.onError(error);
    }
  }

  /** Claims entries whose lease expired (their member crashed, stalled or released them). */
  async #claim(): Promise<void> {
    if (this.#claiming || this.#stopped || this.#paused || !this.#deps.main.ready) return;
    this.#claiming = true;
    try {
      for (let round = 0; round < 10; round++) {
        const credit = this.#credit();
        if (credit <= 0 || this.#stopped || this.#paused) break;
        const claimed = await this.#pending.claim(
          this.#deps.leaseMs,
          this.#claimCursor,
          Math.min(credit, 1_000),
        );
        this.#claimCursor = claimed.next;
        if (claimed.deleted > 0) this.#deps.onTrimmed(claimed.deleted);
        this.#receive(claimed.entries, claimed.counts);
        if (this.#claimCursor === '0-0') break;
      }
    } catch (error) {
      if (isGroupGone(error)) this.#needsGroup = true;
      else this.#deps.onError(error);
    } finally {
      this.#claiming = false;
    }
  }

  async #prune(): Promise<void> {
    if (this.#stopped || !this.#deps.main.ready) return;
    try {
      await this.#pending.prune(this.#deps.idleConsumerTimeoutMs);
    } catch (error) {
      if (!isGroupGone(error)) this.#deps.onError(error);
    }
  }

  #every(ms: number, run: () => Promise<void>): void {
    const timer = setInterval(() => void run(), Math.max(10, ms));
    timer.unref();
    this.#timers.push(timer);
  }
}
