import { EventBusError } from '@switchyard/core';
import { waitAtMost } from '@switchyard/core/transport';
import type { DriverBatch, DriverConsumer, DriverConsumerHandlers } from '../driver/driver.ts';
import { toEventBusError } from '../errors.ts';
import { Committer } from './committer.ts';
import { OwnedPartitions } from './owned-partitions.ts';
import { PauseState } from './pause-state.ts';
import { RestartBackoff } from './restart-backoff.ts';
import { SharedStarts } from './shared-starts.ts';
import type { TopicConsumer, TopicContext, TopicMember } from './topic-consumer.ts';

export interface MemberContext extends TopicContext {
  readonly commitIntervalMs: number;
  /**
   * How long the last commit of a member leaving the group (its last subscription closed) is
   * waited for: with the brokers gone, @platformatic/kafka's group operations retry inside their
   * retries (~18 s a commit on the `local` profile), and close would wait out each one.
   */
  readonly finalCommitTimeoutMs: number;
  /**
   * How long a rebalance's rejoin waits, where the driver lets it, for the handlers running when it
   * started, so that their events are committed before the partitions move.
   */
  readonly revokeWaitMs: number;
  /** How often the driver need fetch retry topics (`SubscribeOptions.fetchEveryMs`); absent: every fetch. */
  readonly retryFetchEveryMs?: number;
}

/**
 * `joining` (a start is waiting for its first assignment), `running`, `rejoining` (leaving to
 * change topics), `restarting` (the client stopped on an error; the client or the transport restarts
 * it), `stopped` (no topics left: not in the group).
 */
export type MemberState = 'joining' | 'running' | 'rejoining' | 'restarting' | 'stopped';

export interface MemberHealth {
  readonly group: string;
  readonly state: MemberState;
  readonly topics: ReadonlyArray<{ topic: string; assignedPartitions: number; pending: number }>;
  /** Assignments received (each start and each rebalance). */
  readonly joins: number;
  /** Restarts after the client stopped on an error, by the client itself (kafkajs) or by the transport. */
  readonly restarts: number;
  readonly lastError?: string;
}

/**
 * The transport's one member of a consumer group: a single client consumer subscribed to every topic
 * `consume()` was called with for the group (and their retry topics), so the group's assignor hands
 * each partition to a member that reads it. Per-partition offset trackers live here and outlive
 * restarts; batches go to the topic's {@link TopicConsumer}.
 *
 * Topics change by restarting: commit what is acked, stop (leave), subscribe, run. Calls that arrive
 * while a start is prepared or running share the next one. A client that stops on an error it will
 * not retry is restarted with backoff, keeping its topics and trackers.
 */
export class GroupMember implements TopicMember {
  readonly pauses: PauseState;
  /** Each subscribed topic (consumers' topics and their retry topics) and the consumer it belongs to. */
  private readonly owners = new Map<string, TopicConsumer>();
  private readonly partitions: OwnedPartitions;
  /** Consumers whose `add()` succeeded: a failed start is retried with backoff only for them. */
  private readonly established = new Set<TopicConsumer>();
  private readonly committer: Committer;
  private readonly backoff = new RestartBackoff();
  private consumer: DriverConsumer | undefined;
  /** What the current client consumer subscribed; a driver consumer can add topics but not drop them. */
  private subscribed = new Set<string>();
  /** The client gave up (or failed to join): the next start takes a new one. */
  private broken = false;
  private state: MemberState = 'stopped';
  private readonly starts = new SharedStarts(() => this.start());
  private commitTimer: NodeJS.Timeout | undefined;
  private recoveryTimer: NodeJS.Timeout | undefined;
  private joins = 0;
  private restarts = 0;
  private lastError: string | undefined;

  readonly group: string;
  private readonly context: MemberContext;

  constructor(context: MemberContext, group: string) {
    this.context = context;
    this.group = group;
    this.pauses = new PauseState(
      (paused) => this.consumer?.setPaused(paused),
      (topic) => this.owners.get(topic)?.paused ?? true,
    );
    this.partitions = new OwnedPartitions((tracker) => {
      this.owners.get(tracker.topic)?.revoked(tracker);
      this.pauses.clearDue(tracker.topic, tracker.partition);
    });
    this.committer = new Committer(context.log, group, (error) => this.report(error, ''));
  }

  /** Holds the next start until the returned release is called (a `consume()` preparing its topic). */
  reserve(): () => void {
    return this.starts.reserve();
  }

  /**
   * Adds the consumer's topics. The member's first consumers (those added together) resolve once it
   * runs with them. A consumer added to a member already running resolves once the rejoin that adds
   * its topics is asked for, without waiting for it: its start positions were taken when `consume()`
   * was called, so nothing published after this resolves is missed, and the subscriptions a service
   * makes one after another share a rejoin (and the other instances of the group one rebalance)
   * instead of each costing the whole group one. Until the rejoin its events wait.
   */
  async add(consumer: TopicConsumer): Promise<void> {
    const taken = consumer.topics.find((topic) => this.owners.has(topic));
    if (taken !== undefined) {
      throw new EventBusError(
        'UNSUPPORTED',
        `Topic ${taken} is already consumed by group ${this.group} on this transport. Subscribe once per group and topic (handlers of one group on one topic share a subscription), or use another transport for a second member.`,
        { details: { topic: taken, group: this.group } },
      );
    }
    for (const topic of consumer.topics) this.owners.set(topic, consumer);
    if (this.established.size > 0) {
      this.established.add(consumer);
      this.reconcile().catch(() => undefined); // reported, and retried with backoff
      return;
    }
    try {
      await this.reconcile();
    } catch (error) {
      this.unregister(consumer);
      throw error;
    }
    if (this.owners.get(consumer.request.topic) === consumer) this.established.add(consumer);
  }

  /** Resolves once the member ran with every topic added so far, or failed to (and reported it). */
  settled(): Promise<void> {
    return this.starts.settled();
  }

  async remove(consumer: TopicConsumer): Promise<void> {
    this.unregister(consumer);
    await this.reconcile().catch(() => undefined); // reported, and retried with backoff while topics remain
  }

  /** The topic consumers of this member, once each. */
  consumers(): TopicConsumer[] {
    return [...new Set(this.owners.values())];
  }

  health(): MemberHealth {
    const assigned = new Map<TopicConsumer, number>();
    for (const tracker of this.partitions.values()) {
      const owner = this.owners.get(tracker.topic);
      if (owner !== undefined) assigned.set(owner, (assigned.get(owner) ?? 0) + 1);
    }
    return {
      group: this.group,
      state: this.state,
      topics: this.consumers().map((c) => ({
        topic: c.request.topic,
        assignedPartitions: assigned.get(c) ?? 0,
        pending: c.pendingCount,
      })),
      joins: this.joins,
      restarts: this.restarts,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
    };
  }

  private unregister(consumer: TopicConsumer): void {
    this.established.delete(consumer);
    for (const topic of consumer.topics) if (this.owners.get(topic) === consumer) this.owners.delete(topic);
    this.pauses.sync(); // its partitions stop fetching until the member runs without them
  }

  /** Resolves once the member runs with every topic registered before the call (a start shared with other calls). */
  private reconcile(): Promise<void> {
    return this.starts.request();
  }

  /** One (re)start, shared by the calls that asked for it. */
  private async start(): Promise<void> {
    try {
      await this.apply();
    } catch (error) {
      this.report(error, '');
      // The consumers that asked for this start get the error; the ones that ran before get a restart.
      if (this.established.size > 0) this.scheduleRecovery();
      else this.state = 'stopped';
      throw error;
    }
  }

  /** Leaves with what is acked committed, then joins again with exactly the registered topics. */
  private async apply(): Promise<void> {
    clearTimeout(this.recoveryTimer);
    this.recoveryTimer = undefined;
    const old = this.consumer;
    // Leaving for good (the last subscription closes): each step waits at most
    // finalCommitTimeoutMs, and once one ran out the brokers are taken as hung (a frozen host, a
    // partition that drops packets) and the client is let go without waiting for it again. What is
    // not committed is delivered again (at-least-once).
    const leaving = this.owners.size === 0;
    let answered = true;
    if (old !== undefined && !this.broken) {
      if (this.state === 'running') {
        if (leaving) answered = await waitAtMost(this.commitNow(), this.context.finalCommitTimeoutMs);
        else {
          // Leaving and joining again hands this member's partitions to the group's other members
          // meanwhile: as in a rebalance, hold the handlers, let those running end, commit. Then
          // nothing of before the leave is trusted: a partition that comes back may have been read
          // by another member in between, so it starts again from the group's commit (the events
          // that were waiting here are skipped, and read again from there).
          await this.onRebalancing(true);
          this.partitions.retain(() => false);
        }
      }
      this.state = 'rejoining';
      const stopped = old.stop().catch(() => {
        this.broken = true;
      });
      if (!leaving) await stopped;
      else if (!answered || !(await waitAtMost(stopped, this.context.finalCommitTimeoutMs))) {
        answered = false;
        this.broken = true;
      }
    }
    this.partitions.retain((topic) => this.owners.has(topic)); // dropped topics commit nothing more
    const wanted = [...this.owners.keys()];
    let consumer = old;
    if (wanted.length === 0 || old === undefined || this.broken || this.dropsTopics()) {
      this.consumer = undefined;
      const disconnected = old?.disconnect().catch(() => undefined);
      if (answered)
        await (leaving
          ? waitAtMost(disconnected ?? Promise.resolve(), this.context.finalCommitTimeoutMs)
          : disconnected);
      consumer = undefined;
    }
    if (wanted.length === 0) {
      clearInterval(this.commitTimer);
      this.commitTimer = undefined;
      this.state = 'stopped';
      return;
    }
    if (consumer === undefined) {
      consumer = this.context.driver.createConsumer({ group: this.group });
      this.subscribed = new Set();
      this.broken = false;
    }
    this.consumer = consumer;
    this.state = 'joining';
    try {
      const fresh = wanted.filter((topic) => !this.subscribed.has(topic));
      const retry = (topic: string) => this.owners.get(topic)!.isRetryTopic(topic);
      const earliest = fresh.filter((topic) => !retry(topic) && this.owners.get(topic)!.fromBeginning(topic));
      const latest = fresh.filter((topic) => !retry(topic) && !this.owners.get(topic)!.fromBeginning(topic));
      const retryTopics = fresh.filter(retry);
      if (earliest.length > 0) await consumer.subscribe(earliest, true);
      if (latest.length > 0) await consumer.subscribe(latest, false);
      if (retryTopics.length > 0) {
        const every = this.context.retryFetchEveryMs;
        await consumer.subscribe(retryTopics, true, every === undefined ? {} : { fetchEveryMs: every });
      }
      for (const topic of fresh) this.subscribed.add(topic);
      await consumer.run(this.handlersFor(consumer));
    } catch (error) {
      // The client may still be retrying on its own: end it, the next start takes a new consumer.
      this.consumer = undefined;
      this.subscribed = new Set();
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    this.commitTimer ??= setInterval(() => void this.commitNow(), this.context.commitIntervalMs);
  }

  /** What a client consumer reports to; a consumer this member has let go of is no longer heard. */
  private handlersFor(consumer: DriverConsumer): DriverConsumerHandlers {
    const current = () => consumer === this.consumer;
    return {
      onBatch: (batch) => (current() ? this.onBatch(batch) : 0),
      onAssigned: (assignment) => current() && this.onAssigned(assignment),
      onRebalancing: (rejoinWaits) => (current() ? this.onRebalancing(rejoinWaits) : Promise.resolve()),
      onCrash: (error, restarting) => current() && this.onCrash(error, restarting),
    };
  }

  private dropsTopics(): boolean {
    for (const topic of this.subscribed) if (!this.owners.has(topic)) return true;
    return false;
  }

  /**
   * A rebalance starts: no handler starts until the new assignment is known, and what was handled
   * is committed before the partitions move (as Java's consumer does in onPartitionsRevoked). Where
   * the driver waits before it rejoins (`rejoinWaits`), the handlers running now are waited for
   * first (up to `revokeWaitMs`), so their events are committed too; otherwise the commit goes at
   * once (the rejoin follows it on the same connection, and a later one would be refused) and
   * what still runs may run again on the new owner (at-least-once).
   */
  private async onRebalancing(rejoinWaits: boolean): Promise<void> {
    const consumers = this.consumers();
    for (const consumer of consumers) consumer.holdHandlers();
    if (rejoinWaits)
      await waitAtMost(Promise.all(consumers.map((c) => c.handlersIdle())), this.context.revokeWaitMs);
    await this.commitNow(true);
  }

  private onAssigned(assignment: ReadonlyMap<string, readonly number[]>): void {
    this.joins++;
    this.state = 'running';
    this.backoff.running(Date.now());
    const seeks = this.partitions.assign(assignment, (topic, partition) =>
      this.owners.get(topic)?.startAt(topic, partition),
    );
    for (const { topic, partition, offset } of seeks) this.consumer?.seek(topic, partition, String(offset));
    this.pauses.setAssignment(assignment);
    // Revoked partitions' events are marked (their signal aborted) and are skipped; the rest run.
    for (const consumer of this.consumers()) consumer.releaseHandlers();
  }

  private onBatch(batch: DriverBatch): number {
    const owner = this.owners.get(batch.topic);
    const tracker = this.partitions.get(batch.topic, batch.partition);
    if (owner === undefined || tracker === undefined) return 0;
    return owner.onBatch(batch, tracker);
  }

  private onCrash(error: unknown, restarting: boolean): void {
    this.report(error, restarting ? ' (the client restarts it)' : '');
    if (restarting) {
      this.restarts++;
      if (this.state === 'running') this.state = 'restarting';
      return;
    }
    this.broken = true;
    // A start in progress fails on its own and schedules the restart.
    if (this.state === 'running' || this.state === 'restarting') this.scheduleRecovery();
  }

  private scheduleRecovery(): void {
    this.state = 'restarting';
    if (this.recoveryTimer !== undefined) return;
    const delayMs = this.backoff.next(Date.now());
    this.context.log('warn', `the consumer of group ${this.group} stopped; restarting it in ${delayMs} ms`, {
      group: this.group,
    });
    this.recoveryTimer = setTimeout(() => {
      this.recoveryTimer = undefined;
      if (this.established.size === 0) return;
      this.restarts++;
      this.reconcile().catch(() => undefined); // a failed start schedules the next one
    }, delayMs);
  }

  /** Commits every partition whose acknowledged prefix moved; one commit at a time (but see `Committer`), only as a member. */
  private commitNow(beforeRebalance = false): Promise<void> {
    if (this.state !== 'running') return Promise.resolve();
    return this.committer.commit(this.consumer, this.partitions.values(), beforeRebalance);
  }

  private report(error: unknown, note: string): void {
    const topics = this.consumers().map((c) => c.request.topic);
    const mapped = toEventBusError(error, {
      operation: 'consume',
      ...(topics.length === 1 ? { topic: topics[0]! } : {}),
      redact: this.context.redact,
    });
    this.lastError = `${mapped.code}: ${mapped.message}${note}`;
    this.context.onError(mapped);
  }
}
