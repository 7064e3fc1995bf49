import type {
  ConsumeRequest,
  ConsumerHandle,
  ConsumerLag,
  EventBusError,
  InboundMessage,
} from '@switchyard/core';
import type { DriverBatch, DriverConsumer, KafkaDriver } from '../driver/driver.ts';
import { toEventBusError } from '../errors.ts';
import type { Log } from '../log.ts';
import { Committer } from './committer.ts';
import { type DeliveryOwner, KafkaDelivery } from './kafka-delivery.ts';
import { computeLag } from './lag.ts';
import { OffsetTracker } from './offset-tracker.ts';
import { PauseState } from './pause-state.ts';
import type { RetryParking } from './retry-parking.ts';
import { parseParked } from './retry-topics.ts';
import { latestForUncommitted } from './start-position.ts';

export interface SessionContext {
  readonly driver: KafkaDriver;
  readonly commitIntervalMs: number;
  /** Present when delayed nacks go through retry topics. */
  readonly parking: RetryParking | undefined;
  readonly secrets: readonly string[];
  readonly onError: (error: EventBusError) => void;
  readonly log: Log;
}

/**
 * One `consume()` call: a kafkajs group member for the topic (and its retry topics) whose batches
 * go to core's scheduler at once. Handlers run outside the fetch loop, so heartbeats never wait on
 * them; acks come back in any order and only the contiguous acknowledged prefix of each partition is
 * committed. Fetching pauses when `prefetch` events are outstanding or core says so.
 */
export class ConsumerSession implements ConsumerHandle {
  private readonly trackers = new Map<string, OffsetTracker>();
  private readonly pauses: PauseState;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly parkingWrites = new Set<Promise<void>>();
  /** Nacked events waiting for core to resume intake. */
  private readonly held: Array<() => void> = [];
  private consumer: DriverConsumer | undefined;
  private commitTimer: NodeJS.Timeout | undefined;
  private readonly committer: Committer;
  private outstanding = 0;
  private stopped = false;
  /** Where partitions that never committed start, captured when `consume()` was called (`startFrom: 'latest'`). */
  private latestAtStart = new Map<number, string>();
  lastError: string | undefined;

  private readonly context: SessionContext;
  readonly request: ConsumeRequest;
  private readonly retryTopics: readonly string[];
  private readonly onMessages: (messages: readonly InboundMessage[]) => void;
  /** What each delivery settles through (kept private to the session). */
  private readonly owner: DeliveryOwner = {
    finish: (tracker, offset) => this.finish(tracker, offset),
    retry: (delivery, delayMs, attempt) => this.retry(delivery, delayMs, attempt),
  };

  constructor(
    context: SessionContext,
    request: ConsumeRequest,
    retryTopics: readonly string[],
    onMessages: (messages: readonly InboundMessage[]) => void,
  ) {
    this.context = context;
    this.request = request;
    this.retryTopics = retryTopics;
    this.onMessages = onMessages;
    this.pauses = new PauseState((paused) => this.consumer?.setPaused(paused));
    this.committer = new Committer(context.log, request.group, (error) => this.fail(error, true));
  }

  async start(): Promise<void> {
    const { driver } = this.context;
    const { topic, group, startFrom } = this.request;
    if (startFrom === 'latest') this.latestAtStart = await latestForUncommitted(driver, group, topic);
    const consumer = driver.createConsumer({ group });
    this.consumer = consumer;
    try {
      await consumer.subscribe([topic], startFrom === 'earliest');
      if (this.retryTopics.length > 0) await consumer.subscribe(this.retryTopics, true);
      await consumer.run({
        onBatch: (batch) => this.onBatch(batch),
        onAssigned: (assignment) => this.onAssigned(assignment),
        onRebalancing: () => void this.commitNow(),
        onCrash: (error, restarting) => this.fail(error, restarting),
      });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw toEventBusError(error, { operation: 'consume', topic, secrets: this.context.secrets });
    }
    this.commitTimer = setInterval(() => void this.commitNow(), this.context.commitIntervalMs);
  }

  pause(): void {
    this.pauses.setCore(true);
  }

  resume(): void {
    this.pauses.setCore(false);
    for (const redeliver of this.held.splice(0)) redeliver();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.commitTimer);
    for (const timer of this.timers) clearTimeout(timer);
    this.pauses.setCore(true);
    this.pauses.dispose();
    // Events moving to a retry topic ack their originals once written; let them finish first.
    await Promise.allSettled([...this.parkingWrites]);
    await this.commitNow();
    await this.consumer?.disconnect().catch(() => undefined);
  }

  lag(): Promise<ConsumerLag> {
    return computeLag(this.context.driver, this.request, this.outstanding).catch((error) => {
      throw toEventBusError(error, {
        operation: 'lag',
        topic: this.request.topic,
        secrets: this.context.secrets,
      });
    });
  }

  get pendingCount(): number {
    return this.outstanding;
  }

  get assignedPartitions(): number {
    return this.trackers.size;
  }

  private onAssigned(assignment: ReadonlyMap<string, readonly number[]>): void {
    const assigned = new Set<string>();
    for (const [topic, partitions] of assignment) for (const p of partitions) assigned.add(`${topic}|${p}`);
    for (const [key, tracker] of this.trackers) {
      if (assigned.has(key)) continue;
      // Revoked: in-flight work finishes in core but commits nothing; the new owner starts from the last commit.
      tracker.revoked = true;
      tracker.revocation.abort();
      this.outstanding -= tracker.outstanding;
      this.trackers.delete(key);
      this.pauses.clearDue(tracker.topic, tracker.partition);
    }
    for (const [topic, partitions] of assignment) {
      for (const partition of partitions) {
        const key = `${topic}|${partition}`;
        if (this.trackers.has(key)) continue;
        this.trackers.set(key, new OffsetTracker(topic, partition));
        const latest = topic === this.request.topic ? this.latestAtStart.get(partition) : undefined;
        if (latest !== undefined) {
          this.consumer?.seek(topic, partition, latest);
          this.latestAtStart.delete(partition);
        }
      }
    }
    this.pauses.setAssignment(assignment);
    this.pauses.setPrefetchFull(this.outstanding >= this.request.prefetch);
  }

  private onBatch(batch: DriverBatch): number {
    if (this.stopped) return 0;
    const tracker = this.trackers.get(`${batch.topic}|${batch.partition}`);
    if (tracker === undefined) return 0;
    const parked = batch.topic !== this.request.topic;
    const deliveries: InboundMessage[] = [];
    let taken = 0;
    for (const message of batch.messages) {
      const offset = Number(message.offset);
      if (tracker.seen(offset)) {
        taken++;
        continue;
      }
      if (!parked) {
        tracker.add(offset);
        deliveries.push(
          new KafkaDelivery(
            this.owner,
            tracker,
            offset,
            1,
            message.key,
            message.value,
            message.headers,
            batch.topic,
            batch.partition,
            message.offset,
          ),
        );
        taken++;
        continue;
      }
      const event = parseParked(message.headers);
      if (event === undefined || event.group !== this.request.group) {
        // Parked by another group (retry topics are shared per topic): not ours to handle.
        tracker.add(offset);
        tracker.ack(offset);
        taken++;
        continue;
      }
      if (event.dueAt > Date.now()) {
        // Records of one tier are in due order: hold the partition until the first one is due.
        this.pauses.holdUntil(batch.topic, batch.partition, event.dueAt);
        break;
      }
      tracker.add(offset);
      const { origin } = event;
      deliveries.push(
        new KafkaDelivery(
          this.owner,
          tracker,
          offset,
          event.attempt,
          message.key,
          message.value,
          event.headers,
          origin.topic,
          origin.partition,
          origin.offset,
        ),
      );
      taken++;
    }
    this.deliver(deliveries);
    return taken;
  }

  private deliver(deliveries: readonly InboundMessage[]): void {
    if (deliveries.length === 0) return;
    this.outstanding += deliveries.length;
    this.pauses.setPrefetchFull(this.outstanding >= this.request.prefetch);
    try {
      this.onMessages(deliveries);
    } catch (error) {
      this.context.onError(toEventBusError(error, { operation: 'consume', topic: this.request.topic }));
    }
  }

  private finish(tracker: OffsetTracker, offset: number): void {
    if (tracker.revoked) return;
    tracker.ack(offset);
    this.outstanding--;
    if (this.outstanding < this.request.prefetch / 2 || this.outstanding === 0)
      this.pauses.setPrefetchFull(false);
  }

  private retry(delivery: KafkaDelivery, delayMs: number, attempt: number): void {
    const { tracker, position } = delivery;
    if (tracker.revoked || this.stopped) return; // redelivered by the broker after reassignment or restart
    const parking = this.context.parking;
    if (delayMs > 0 && parking !== undefined) {
      const write = parking.park(delivery, delivery.origin, this.request.group, delayMs, attempt).then(
        () => this.finish(tracker, position),
        (error: unknown) => {
          // Could not park it: keep the offset uncommitted and retry in-process instead.
          this.context.log('warn', 'could not write to the retry topic; redelivering in-process instead', {
            topic: this.request.topic,
          });
          this.context.onError(toEventBusError(error, { operation: 'publish', topic: this.request.topic }));
          this.redeliverLater(delivery, delayMs, attempt);
        },
      );
      this.parkingWrites.add(write);
      void write.finally(() => this.parkingWrites.delete(write));
      return;
    }
    this.redeliverLater(delivery, delayMs, attempt);
  }

  /**
   * In-process redelivery: the offset stays outstanding (and uncommitted) until the new delivery is
   * acked. While core has paused intake (full, or closing) the event waits for `resume()` instead of
   * bouncing straight back; if the session stops first it stays uncommitted and the broker
   * redelivers it to the next owner.
   */
  private redeliverLater(delivery: KafkaDelivery, delayMs: number, attempt: number): void {
    const redeliver = () => {
      if (delivery.tracker.revoked || this.stopped) return;
      if (this.pauses.corePaused) {
        this.held.push(redeliver);
        return;
      }
      try {
        this.onMessages([delivery.again(attempt)]);
      } catch (error) {
        this.context.onError(toEventBusError(error, { operation: 'consume', topic: this.request.topic }));
      }
    };
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      redeliver();
    }, delayMs);
    this.timers.add(timer);
  }

  /** Commits every partition whose acknowledged prefix moved; one commit at a time. */
  private commitNow(): Promise<void> {
    return this.committer.commit(this.consumer, this.trackers.values());
  }

  private fail(error: unknown, restarting: boolean): void {
    const mapped = toEventBusError(error, {
      operation: 'consume',
      topic: this.request.topic,
      secrets: this.context.secrets,
    });
    this.lastError = `${mapped.code}: ${mapped.message}${restarting ? ' (recovering)' : ''}`;
    this.context.onError(mapped);
  }
}
