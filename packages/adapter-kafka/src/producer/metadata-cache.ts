import { EventBusError } from '@switchyard/core';
import type { TopicCreator } from '../admin/topic-creator.ts';
import type { KafkaDriver, TopicMetadata } from '../driver/driver.ts';

interface Entry {
  metadata: TopicMetadata;
  loadedAt: number;
}

/**
 * Partitions and leaders per topic, for choosing partitions and grouping batches by broker.
 * Lookups are synchronous once a topic is known; entries older than `maxAgeMs` are refreshed in
 * the background, and an error from a write refreshes the topic at once. A missing topic is
 * created on first use when auto-creation is on.
 */
export class MetadataCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<TopicMetadata>>();

  private readonly driver: KafkaDriver;
  private readonly creator: TopicCreator | undefined;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(
    driver: KafkaDriver,
    creator: TopicCreator | undefined,
    maxAgeMs: number,
    now: () => number = Date.now,
  ) {
    this.driver = driver;
    this.creator = creator;
    this.maxAgeMs = maxAgeMs;
    this.now = now;
  }

  /** Whether a topic found missing is made (auto-creation on): what a write to a deleted topic can wait for. */
  get createsTopics(): boolean {
    return this.creator !== undefined;
  }

  /** The known metadata, or undefined if the topic was never loaded. */
  peek(topic: string): TopicMetadata | undefined {
    const entry = this.entries.get(topic);
    if (entry === undefined) return undefined;
    if (this.now() - entry.loadedAt > this.maxAgeMs) this.refresh(topic);
    return entry.metadata;
  }

  get(topic: string): Promise<TopicMetadata> {
    const known = this.peek(topic);
    return known === undefined ? this.load(topic) : Promise.resolve(known);
  }

  /** Forget-and-reload after a write failed (leader moved, partitions added, topic deleted). */
  refresh(topic: string): void {
    if (this.loading.has(topic)) return;
    void this.load(topic).catch(() => this.entries.delete(topic));
  }

  /** Forgets the topic at once (its partition count changed): the next send waits for fresh metadata. */
  invalidate(topic: string): void {
    this.entries.delete(topic);
    this.refresh(topic);
  }

  private load(topic: string): Promise<TopicMetadata> {
    const pending = this.loading.get(topic);
    if (pending !== undefined) return pending;
    const promise = this.fetch(topic).finally(() => this.loading.delete(topic));
    this.loading.set(topic, promise);
    return promise;
  }

  private async fetch(topic: string): Promise<TopicMetadata> {
    const lookup = () => this.driver.producerTopicMetadata?.(topic) ?? this.driver.topicMetadata(topic);
    let metadata = await lookup();
    if (metadata === undefined && this.creator !== undefined) {
      // Made or found once by this transport, and gone now (deleted elsewhere): made anew.
      this.creator.forget(topic);
      await this.creator.ensureExists(topic);
      metadata = await lookup();
    }
    if (metadata === undefined) {
      throw new EventBusError(
        'TOPIC_NOT_FOUND',
        `Kafka topic ${JSON.stringify(topic)} does not exist. Create it with ensureTopic, or enable autoCreateTopics.`,
        {
          retriable: false,
          details: { topic },
        },
      );
    }
    this.entries.set(topic, { metadata, loadedAt: this.now() });
    return metadata;
  }
}
