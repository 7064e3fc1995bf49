import type kafkajs from 'kafkajs';
import type {
  DriverBatch,
  DriverConsumer,
  DriverConsumerHandlers,
  DriverInbound,
  SubscribeOptions,
} from '../driver.ts';
import { headerString } from '../header-strings.ts';
import { FetchCadence } from './fetch-cadence.ts';
import { kafkajsPatched } from './kafkajs-patches.ts';
import { waitBeforeRejoin } from './kafkajs-rejoin-wait.ts';

type Paused = ReadonlyArray<{ readonly topic: string; readonly partitions: readonly number[] }>;

/**
 * kafkajs consumer behind the driver seam. Handlers run outside `eachBatch`: each batch is handed
 * over and `eachBatch` returns at once, so kafkajs keeps fetching and heartbeating while Switchyard's
 * scheduler works; offsets are committed by hand (`autoCommit: false`) and the fetch position is
 * advanced with `resolveOffset` for exactly the messages taken (`eachBatchAutoResolve: false`).
 *
 * kafkajs 2.2.4 lets a consumer run again: `stop()` stops the fetch loop and leaves the group
 * (LeaveGroup) but keeps the connections and the subscribed topics, after which `subscribe()` adds
 * topics and `run()` joins as a new member. Instrumentation listeners outlive `stop()`, so they are
 * added once, on the first `run()`.
 *
 * Topics subscribed with `fetchEveryMs` (retry topics) are fetched on a `FetchCadence`: their
 * partitions stay paused in kafkajs between openings, on top of what `setPaused` asks for.
 *
 * kafkajs restarts a crashed consumer on a timer it arms after the crash's own disconnect, even when
 * `stop()` or `disconnect()` came meanwhile (a crash while the brokers are gone and the service
 * closes): the restarted consumer then retried forever and kept the process alive. So the client
 * is built with `retry.restartOnFailure` answering whether this consumer is still meant to run.
 */
export class KafkajsConsumer implements DriverConsumer {
  private subscribed: string[] = [];
  private paused: Paused = [];
  /** Topics fetched on the cadence, and the partitions of them this member was assigned. */
  private readonly slowTopics = new Set<string>();
  private slowAssigned: Paused = [];
  private cadence: FetchCadence | undefined;
  private handlers: DriverConsumerHandlers | undefined;
  /** Between a join and the next stop or crash: pause, resume and commit need a running member. */
  private member = false;
  /** The join the current `run()` waits for. */
  private join: { joined: () => void; failed: (error: unknown) => void; lastCrash?: unknown } | undefined;

  private readonly consumer: kafkajs.Consumer;
  private readonly group: string;
  private readonly joinTimeoutMs: number;
  /** Between `run()` and the next `stop()` or `disconnect()`: a crash may be restarted by kafkajs. */
  private running = false;

  /** `create` builds the kafkajs consumer with the given `retry.restartOnFailure`. */
  constructor(
    create: (restartOnFailure: () => Promise<boolean>) => kafkajs.Consumer,
    group: string,
    joinTimeoutMs: number,
  ) {
    this.consumer = create(async () => this.running);
    this.group = group;
    this.joinTimeoutMs = joinTimeoutMs;
  }

  async subscribe(
    topics: readonly string[],
    fromBeginning: boolean,
    options?: SubscribeOptions,
  ): Promise<void> {
    await this.consumer.subscribe({ topics: [...topics], fromBeginning });
    this.subscribed.push(...topics);
    const everyMs = options?.fetchEveryMs;
    if (everyMs === undefined) return;
    for (const topic of topics) this.slowTopics.add(topic);
    // One cadence per consumer: the first subscription with one sets it (the transport uses one value).
    this.cadence ??= new FetchCadence(everyMs, () => this.applyPaused());
  }

  async run(handlers: DriverConsumerHandlers): Promise<void> {
    if (this.handlers === undefined) this.listen();
    this.handlers = handlers;
    this.running = true;
    const firstJoin = new Promise<void>((resolve, reject) => {
      this.join = { joined: resolve, failed: reject };
    });
    firstJoin.catch(() => undefined); // observed below; this only keeps an early failure from going unhandled
    const deadline = setTimeout(() => {
      this.join?.failed(
        this.join.lastCrash ??
          Object.assign(
            new Error(`The consumer did not join group ${this.group} within ${this.joinTimeoutMs} ms`),
            { name: 'KafkaJSTimeout' },
          ),
      );
    }, this.joinTimeoutMs);
    try {
      await this.consumer.connect();
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: async ({ batch, resolveOffset }) => {
          if (this.slowTopics.has(batch.topic)) this.cadence?.slowBatch();
          const messages = batch.messages.map(toInbound);
          const taken = handlers.onBatch({
            topic: batch.topic,
            partition: batch.partition,
            messages,
          } satisfies DriverBatch);
          if (taken > 0) resolveOffset(batch.messages[taken - 1]!.offset);
        },
      });
      // `run` returns once the member joined and synced (or after a crash kafkajs will retry).
      await firstJoin;
    } finally {
      clearTimeout(deadline);
      this.join = undefined;
    }
  }

  private listen(): void {
    const { events } = this.consumer;
    this.consumer.on(events.GROUP_JOIN, (event) => {
      this.member = true;
      const assignment = new Map<string, number[]>();
      for (const [topic, partitions] of Object.entries(event.payload.memberAssignment)) {
        assignment.set(topic, [...partitions]);
      }
      this.slowAssigned = [...assignment]
        .filter(([topic, partitions]) => this.slowTopics.has(topic) && partitions.length > 0)
        .map(([topic, partitions]) => ({ topic, partitions }));
      this.cadence?.joined();
      this.handlers?.onAssigned(assignment);
      this.join?.joined();
    });
    this.consumer.on(events.REBALANCING, (event) => {
      // kafkajs rejoins right after this event; with the rejoin-wait patch it waits for this work.
      const rejoinWaits = kafkajsPatched();
      const work = this.handlers?.onRebalancing(rejoinWaits);
      if (work !== undefined && rejoinWaits)
        waitBeforeRejoin(event.payload.groupId, event.payload.memberId, work);
    });
    this.consumer.on(events.FETCH_START, (event) => this.cadence?.fetchStarted(event.payload.nodeId));
    // A crash kafkajs handles stops the consumer (dropping its group) before it reports the crash:
    // a commit or pause in between threw "consumer#run must be called first" (a `tail` failed so).
    this.consumer.on(events.STOP, () => {
      this.member = false;
    });
    this.consumer.on(events.CRASH, (event) => {
      this.member = false;
      this.cadence?.stopped();
      const { error, restart } = event.payload;
      if (this.join !== undefined) {
        this.join.lastCrash = error;
        // Before the first join a crash kafkajs restarts from (a coordinator still loading, say) is waited out.
        if (!restart) this.join.failed(error);
      }
      this.handlers?.onCrash(error, restart);
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.member = false;
    this.cadence?.stopped();
    await this.consumer.stop();
  }

  seek(topic: string, partition: number, offset: string): void {
    this.consumer.seek({ topic, partition, offset });
  }

  setPaused(paused: Paused): void {
    this.paused = paused;
    this.applyPaused();
  }

  /** Pauses in kafkajs what the caller asked for, plus the slow topics' partitions while the cadence is closed. */
  private applyPaused(): void {
    // Without a running member kafkajs throws; the next assignment applies the paused set afresh.
    if (!this.member) return;
    // Resuming whole topics clears kafkajs' topic-level and partition-level flags alike, so the
    // paused set is always exactly what the caller asked for.
    this.consumer.resume(this.subscribed.map((topic) => ({ topic })));
    const all = this.cadence?.closed ? [...this.paused, ...this.slowAssigned] : this.paused;
    const nonEmpty = all
      .filter((p) => p.partitions.length > 0)
      .map((p) => ({ topic: p.topic, partitions: [...p.partitions] }));
    if (nonEmpty.length > 0) this.consumer.pause(nonEmpty);
  }

  async commit(
    offsets: ReadonlyArray<{ readonly topic: string; readonly partition: number; readonly offset: string }>,
  ): Promise<void> {
    if (offsets.length === 0) return;
    if (!this.member) {
      throw Object.assign(new Error(`Not a member of group ${this.group} right now`), {
        type: 'UNKNOWN_MEMBER_ID',
      });
    }
    await this.consumer.commitOffsets(
      offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })),
    );
  }

  async disconnect(): Promise<void> {
    this.running = false;
    this.member = false;
    this.cadence?.stopped();
    await this.consumer.disconnect();
  }

  /** What the caller paused (not the cadence's own pauses). */
  pausedPartitions(): Paused {
    return this.paused;
  }
}

function toInbound(message: kafkajs.KafkaMessage): DriverInbound {
  return {
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers: headersToStrings(message.headers),
    timestamp: message.timestamp,
  };
}

/**
 * kafkajs hands headers over as Buffers (or arrays of them for repeated names); the last value wins,
 * as in Java's `lastHeader`. A null value (Kafka allows them) is left out, as if the header were absent.
 */
export function headersToStrings(headers: kafkajs.IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === undefined) return out;
  let slot = 0;
  for (const name in headers) {
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw.at(-1) : raw;
    if (value === undefined || value === null) continue;
    out[name] = typeof value === 'string' ? value : headerString(name, value, slot++);
  }
  return out;
}
