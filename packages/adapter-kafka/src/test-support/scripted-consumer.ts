import type { ConsumeRequest, InboundMessage } from '@switchyard/core/transport';
import { GroupMember } from '../consumer/group-member.ts';
import { TopicConsumer } from '../consumer/topic-consumer.ts';
import type { DriverBatch, DriverConsumer, DriverConsumerHandlers, KafkaDriver } from '../driver/driver.ts';

type Offsets = Array<{ topic: string; partition: number; offset: string }>;

/**
 * A stand-in for the client's group member: the test plays the broker's part (assignments, batches,
 * crashes). By default each run assigns partitions 0 and 1 of every subscribed topic.
 */
export class ScriptedConsumer implements DriverConsumer {
  handlers!: DriverConsumerHandlers;
  readonly topics: string[] = [];
  readonly commits: Offsets[] = [];
  readonly seeks: string[] = [];
  paused: ReadonlyArray<{ topic: string; partitions: readonly number[] }> = [];
  runs = 0;
  stops = 0;
  disconnected = false;
  /** Makes the next `run()` fail with this error. */
  failNextRun: Error | undefined;

  async subscribe(topics: readonly string[]) {
    this.topics.push(...topics);
  }
  async run(handlers: DriverConsumerHandlers) {
    this.runs++;
    this.handlers = handlers;
    const failure = this.failNextRun;
    this.failNextRun = undefined;
    if (failure !== undefined) throw failure;
    handlers.onAssigned(new Map(this.topics.map((t) => [t, [0, 1]])));
  }
  async stop() {
    this.stops++;
  }
  seek(topic: string, partition: number, offset: string) {
    this.seeks.push(`${topic}|${partition}@${offset}`);
  }
  setPaused(paused: ReadonlyArray<{ topic: string; partitions: readonly number[] }>) {
    this.paused = paused;
  }
  async commit(offsets: ReadonlyArray<{ topic: string; partition: number; offset: string }>) {
    this.commits.push([...offsets]);
  }
  async disconnect() {
    this.disconnected = true;
  }
  batch(topic: string, partition: number, offsets: number[], headers: Record<string, string> = {}): number {
    const b: DriverBatch = {
      topic,
      partition,
      messages: offsets.map((o) => ({
        offset: String(o),
        key: Buffer.from(`k${o}`),
        value: Buffer.from(String(o)),
        headers,
        timestamp: '0',
      })),
    };
    return this.handlers.onBatch(b);
  }
  lastCommitFor(partition: number, topic = 'orders'): string | undefined {
    for (const c of [...this.commits].reverse()) {
      const hit = c.find((o) => o.partition === partition && o.topic === topic);
      if (hit) return hit.offset;
    }
    return undefined;
  }
}

/** A group member on scripted client consumers; `consumers` lists each one it created, newest last. */
export function scriptedMember(group = 'billing') {
  const consumers: ScriptedConsumer[] = [];
  const errors: Error[] = [];
  /** The first run of the next client consumer fails with this. */
  let nextFails: Error | undefined;
  const driver = {
    createConsumer: () => {
      const consumer = new ScriptedConsumer();
      consumer.failNextRun = nextFails;
      nextFails = undefined;
      consumers.push(consumer);
      return consumer;
    },
  } as unknown as KafkaDriver;
  const failNextConsumer = (error: Error) => {
    nextFails = error;
  };
  const context = {
    driver,
    commitIntervalMs: 60_000,
    finalCommitTimeoutMs: 5_000,
    parking: undefined,
    redact: (text: string) => text,
    onError: (error: Error) => errors.push(error),
    log: () => {},
    revokeWaitMs: 1_000,
  };
  const member = new GroupMember(context, group);
  const current = () => consumers.at(-1)!;
  /** Starts consuming `topic`; resolves with what it receives and its handle once the member ran with it (or failed to). */
  async function consume(
    topic: string,
    options: Partial<ConsumeRequest> & {
      retryTopics?: string[];
      latestAtStart?: Map<number, string>;
      /** Resolve as `add()` does, without waiting for the rejoin it asked for. @default false */
      unsettled?: boolean;
    } = {},
  ) {
    const { retryTopics = [], latestAtStart, unsettled = false, ...overrides } = options;
    const received: InboundMessage[] = [];
    /** Core's intake as the consumer sees it: whether its handlers are held. */
    const intake = {
      held: false,
      /** Handlers still running: `idle()` waits for it. */
      running: undefined as Promise<void> | undefined,
      hold() {
        intake.held = true;
      },
      release() {
        intake.held = false;
      },
      idle() {
        return intake.running ?? Promise.resolve();
      },
    };
    const request: ConsumeRequest = {
      topic,
      group,
      prefetch: 100,
      startFrom: 'earliest',
      maxDeliveries: 5,
      ackTimeoutMs: 1000,
      ...overrides,
    };
    const handle = new TopicConsumer(
      member,
      context,
      request,
      retryTopics,
      (messages) => received.push(...messages),
      latestAtStart,
      intake,
    );
    await member.add(handle);
    // A topic added to a running member resolves before the rejoin: the scripts look after it.
    if (!unsettled) await member.settled();
    return { handle, received, intake };
  }
  const commit = () => (member as unknown as { commitNow(): Promise<void> }).commitNow();
  return { member, consumers, current, consume, commit, errors, failNextConsumer };
}

export const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));
