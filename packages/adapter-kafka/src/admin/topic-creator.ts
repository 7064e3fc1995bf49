import type { KafkaDriver } from '../driver/driver.ts';
import type { KafkaAutoCreateOptions } from '../options/options.ts';

/**
 * Creates topics on first use with the configured partitions and replication. With three or more
 * replicas it also sets `min.insync.replicas=2`, so `acks: all` means "on at least two brokers" and
 * one broker can die without losing an acknowledged event.
 */
export class TopicCreator {
  private brokers: Promise<number> | undefined;
  private readonly created = new Map<string, Promise<void>>();

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
      pending.catch(() => this.created.delete(topic));
    }
    return pending;
  }

  get defaultPartitions(): number {
    return this.defaults.partitions;
  }

  async replicationFactor(): Promise<number> {
    if (this.defaults.replicationFactor !== 'auto') return this.defaults.replicationFactor;
    this.brokers ??= this.driver.brokerCount();
    return Math.min(3, Math.max(1, await this.brokers));
  }

  private async create(topic: string, partitions: number): Promise<void> {
    const replicationFactor = await this.replicationFactor();
    const configs: Record<string, string> = replicationFactor >= 3 ? { 'min.insync.replicas': '2' } : {};
    await this.driver.createTopic({ topic, partitions, replicationFactor, configs });
  }
}
