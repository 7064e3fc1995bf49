import type { ConsumerLag, EventBusError } from '@switchyard/core';
import type {
  ConsumeRequest,
  ConsumerHandle,
  ConsumerIntake,
  InboundMessage,
  Log,
} from '@switchyard/core/transport';
import type { DriverBatch, KafkaDriver } from '../driver/driver.ts';
import { toEventBusError } from '../errors.ts';
import type { Redact } from '../redaction.ts';
import { type DeliveryOwner, KafkaDelivery } from './kafka-delivery.ts';
import { computeLag } from './lag.ts';
import type { OffsetTracker } from './offset-tracker.ts';
import type { PauseState } from './pause-state.ts';
import type { RetryParking } from './retry-parking.ts';
import { parseParked } from './retry-topics.ts';

export interface TopicContext {
  readonly driver: KafkaDriver;
  /** Present when delayed nacks go through retry topics. */
  readonly parking: RetryParking | undefined;
  readonly redact: Redact;
  readonly onError: (error: EventBusError) => void;
  readonly log: Log;
}

/** The group member a topic's consumer belongs to. */
export interface TopicMember {
  readonly pauses: PauseState;
  /** The consumer stops: commit what is acked, then go on without its topics (or leave the group). */
  remove(consumer: TopicConsumer): Promise<void>;
}

/**
 * One `consume()` call: a topic (and its retry topics) read by the group member of its group. The
 * member routes the topic's batches here; they go to core's scheduler at once, so handlers never
 * hold up fetching or heartbeats. Fetching of the topic pauses when `prefetch` events are
 * outstanding or core says so; the member's other topics keep flowing.
 */
export class TopicConsumer implements ConsumerHandle {
  /** The topic and its retry topics, as the member subscribes them. */
  readonly topics: readonly string[];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly parkingWrites = new Set<Promise<void>>();
  /** Nacked events waiting for core to resume intake. */
  private readonly held: Array<() => void> = [];
  private outstanding = 0;
  private corePaused = false;
  private prefetchFull = false;
  private stopped = false;
  private stopping: Promise<void> | undefined;

  private readonly member: TopicMember;
  private readonly context: TopicContext;
  readonly request: ConsumeRequest;
  private readonly onMessages: (messages: readonly InboundMessage[]) => void;
  /** Core's side of the consumer: holds handlers while the group rebalances. */
  private readonly intake: ConsumerIntake | undefined;
  /** Where partitions that never committed start, taken when `consume()` was called (`startFrom: 'latest'`). */
  private readonly latestAtStart: Map<number, string>;
  /** What each delivery settles through (kept private to the consumer). */
  private readonly owner: DeliveryOwner = {
    finish: (tracker, offset) => this.finish(tracker, offset),
    retry: (delivery, delayMs, attempt) => this.retry(delivery, delayMs, attempt),
  };

  constructor(
    member: TopicMember,
    context: TopicContext,
    request: ConsumeRequest,
    retryTopics: readonly string[],
    onMessages: (messages: readonly InboundMessage[]) => void,
    latestAtStart: Map<number, string> = new Map(),
    intake?: ConsumerIntake,
  ) {
    this.member = member;
    this.context = context;
    this.request = request;
    this.topics = [request.topic, ...retryTopics];
    this.onMessages = onMessages;
    this.latestAtStart = latestAtStart;
    this.intake = intake;
  }

  /**
   * The group is rebalancing: core starts no more handlers until `releaseHandlers()`, so events of
   * a partition about to move are not started here while the new owner starts from the commit.
   */
  holdHandlers(): void {
    this.intake?.hold();
  }

  /** Resolves once none of this consumer's handlers runs (none starts while held). */
  handlersIdle(): Promise<void> {
    return this.intake?.idle() ?? Promise.resolve();
  }

  /** The new assignment is applied (revoked partitions' events are marked): handlers start again. */
  releaseHandlers(): void {
    this.intake?.release();
  }

  /** Whether the member should stop fetching this consumer's topics. */
  get paused(): boolean {
    return this.stopped || this.corePaused || this.prefetchFull;
  }

  get pendingCount(): number {
    return this.outstanding;
  }

  isRetryTopic(topic: string): boolean {
    return topic !== this.request.topic;
  }

  /** Whether a partition of `topic` the group never committed is read from its beginning (retry topics always are). */
  fromBeginning(topic: string): boolean {
    return topic !== this.request.topic || this.request.startFrom === 'earliest';
  }

  /** Where a partition this member never had starts: the captured end for `latest`, else the group's commit. */
  startAt(topic: string, partition: number): number | undefined {
    if (topic !== this.request.topic) return undefined;
    const latest = this.latestAtStart.get(partition);
    this.latestAtStart.delete(partition);
    return latest === undefined ? undefined : Number(latest);
  }

  /** The member lost the partition: its events in flight here commit nothing. */
  revoked(tracker: OffsetTracker): void {
    this.outstanding -= tracker.outstanding;
    this.setPrefetchFull(this.outstanding >= this.request.prefetch);
  }

  pause(): void {
    this.corePaused = true;
    this.member.pauses.sync();
  }

  resume(): void {
    this.corePaused = false;
    this.member.pauses.sync();
    for (const redeliver of this.held.splice(0)) redeliver();
  }

  /** Commits what is acked and takes the topic out of the member; a second call waits for the first. */
  stop(): Promise<void> {
    this.stopping ??= this.leave();
    return this.stopping;
  }

  private async leave(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.member.pauses.sync();
    // Events moving to a retry topic ack their originals once written; let them finish first.
    await Promise.allSettled([...this.parkingWrites]);
    await this.member.remove(this);
  }

  lag(): Promise<ConsumerLag> {
    return computeLag(this.context.driver, this.request, this.outstanding).catch((error) => {
      throw toEventBusError(error, {
        operation: 'lag',
        topic: this.request.topic,
        redact: this.context.redact,
      });
    });
  }

  /** A fetched batch of one of this consumer's topics; returns how many messages were taken. */
  onBatch(batch: DriverBatch, tracker: OffsetTracker): number {
    if (this.stopped) return 0;
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
        this.member.pauses.holdUntil(batch.topic, batch.partition, event.dueAt);
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
    this.setPrefetchFull(this.outstanding >= this.request.prefetch);
    try {
      this.onMessages(deliveries);
    } catch (error) {
      this.context.onError(
        toEventBusError(error, {
          operation: 'consume',
          topic: this.request.topic,
          redact: this.context.redact,
        }),
      );
    }
  }

  private setPrefetchFull(full: boolean): void {
    if (this.prefetchFull === full) return;
    this.prefetchFull = full;
    this.member.pauses.sync();
  }

  private finish(tracker: OffsetTracker, offset: number): void {
    if (tracker.revoked) return;
    tracker.ack(offset);
    this.outstanding--;
    if (this.outstanding < this.request.prefetch / 2 || this.outstanding === 0) this.setPrefetchFull(false);
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
          this.context.onError(
            toEventBusError(error, {
              operation: 'publish',
              topic: this.request.topic,
              redact: this.context.redact,
            }),
          );
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
   * bouncing straight back; if the consumer stops first it stays uncommitted and the broker
   * redelivers it to the next owner.
   */
  private redeliverLater(delivery: KafkaDelivery, delayMs: number, attempt: number): void {
    const redeliver = () => {
      if (delivery.tracker.revoked || this.stopped) return;
      if (this.corePaused) {
        this.held.push(redeliver);
        return;
      }
      try {
        this.onMessages([delivery.again(attempt)]);
      } catch (error) {
        this.context.onError(
          toEventBusError(error, {
            operation: 'consume',
            topic: this.request.topic,
            redact: this.context.redact,
          }),
        );
      }
    };
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      redeliver();
    }, delayMs);
    this.timers.add(timer);
  }
}
