import type { DriverTopicSpec, KafkaDriver } from '../driver/driver.ts';
import type { KafkaAutoCreateOptions } from '../options/options.ts';

interface Wanted {
  readonly topic: string;
  readonly partitions: number;
  readonly done: PromiseWithResolvers<void>;
}

/**
 * Creates topics on first use with the configured partitions and replication. With three or more
 * replicas it also sets `min.insync.replicas=2`, so `acks: all` means "on at least two brokers" and
 * one broker can die without losing an acknowledged event.
 *
 * Topics asked for together go in one CreateTopics request: those asked for in the same tick (a
 * subscription's retry topics), and those asked for while a request is out (other subscriptions
 * starting). The controller commits one request at a time, ~30 ms each on a single KRaft broker,
 * so a new topic's four retry topics cost one commit instead of four.
 */
export class TopicCreator {
  private brokers: Promise<number> | undefined;
  private readonly created = new Map<string, Promise<void>>();
  /** Topics whose creation (or check) has finished: what `forget` may drop. */
  private readonly settled = new Set<string>();
  private queue: Wanted[] = [];
  private scheduled = false;
  private sending = false;

  private readonly driver: KafkaDriver;
  private readonly defaults: KafkaAutoCreateOptions;

  constructor(driver: KafkaDriver, defaults: KafkaAutoCreateOptions) {
    this.driver = driver;
    this.defaults = defaults;
  }

  /** Creates the topic unless it exists; concurrent calls for one topic share one request. */
  ensureExists(topic: string, partitions: number = this.defaults.partitions): Promise<void> {
    let pending = this.created.get(topic);
    if (pending === undefined) {
      pending = this.create(topic, partitions);
      this.created.set(topic, pending);
      pending.then(
        () => this.settled.add(topic),
        () => this.created.delete(topic),
      );
    }
    return pending;
  }

  /**
   * Forgets that the topic was made or found: the broker says it is gone (deleted elsewhere), so the
   * next `ensureExists` makes it anew. A creation under way is left to finish.
   */
  forget(topic: string): void {
    if (!this.settled.delete(topic)) return;
    this.created.delete(topic);
  }

  get defaultPartitions(): number {
    return this.defaults.partitions;
  }

  async replicationFactor(): Promise<number> {
    if (this.defaults.replicationFactor !== 'auto') return this.defaults.replicationFactor;
    this.brokers ??= this.driver.brokerCount();
    return Math.min(3, Math.max(1, await this.brokers));
  }

  private create(topic: string, partitions: number): Promise<void> {
    const done = Promise.withResolvers<void>();
    this.queue.push({ topic, partitions, done });
    if (!this.sending && !this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        void this.sendQueued();
      });
    }
    return done.promise;
  }

  /** Sends what is queued, then what was queued meanwhile, one request at a time. */
  private async sendQueued(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0) await this.createAll(this.queue.splice(0));
    } finally {
      this.sending = false;
    }
  }

  /** Settles every wanted topic; never rejects. */
  private async createAll(wanted: readonly Wanted[]): Promise<void> {
    let specs: DriverTopicSpec[];
    try {
      const replicationFactor = await this.replicationFactor();
      const configs: Record<string, string> = replicationFactor >= 3 ? { 'min.insync.replicas': '2' } : {};
      specs = wanted.map(({ topic, partitions }) => ({ topic, partitions, replicationFactor, configs }));
    } catch (error) {
      for (const w of wanted) w.done.reject(error);
      return;
    }
    if (specs.length > 1 && this.driver.createTopics !== undefined) {
      try {
        await this.driver.createTopics(specs);
        for (const w of wanted) w.done.resolve();
        return;
      } catch {
        // One of them existed or failed: topic by topic tells which, and gives each caller its own error.
      }
    }
    await Promise.all(
      wanted.map(async (w, i) => {
        try {
          await this.driver.createTopic(specs[i]!);
          w.done.resolve();
        } catch (error) {
          w.done.reject(error);
        }
      }),
    );
  }
}
