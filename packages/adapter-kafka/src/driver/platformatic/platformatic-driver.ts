import { setTimeout as sleep } from 'node:timers/promises';
import {
  Admin,
  type BaseOptions,
  type ClusterMetadata,
  ConfigResourceTypes,
  ConfigSources,
  Producer,
  type ProducerOptions,
} from '@platformatic/kafka';
import { EventBusError } from '@switchyard/core';
import type { Log } from '@switchyard/core/transport';
import type { ResolvedKafkaOptions } from '../../options/options.ts';
import type {
  ConnectionEvent,
  DriverConsumer,
  DriverConsumerConfig,
  DriverInfo,
  DriverTopicSpec,
  KafkaDriver,
  PartitionWrite,
  ProduceRequest,
  TopicMetadata,
} from '../driver.ts';
import { waitUntilAllServed } from '../wait-until-served.ts';
import { baseClientOptions } from './platformatic-client-options.ts';
import { PlatformaticConsumer } from './platformatic-consumer.ts';
import { classifyPlatformaticError, hasApiId, isUnknownTopic, onlyApiId } from './platformatic-errors.ts';
import { platformaticInfo } from './platformatic-info.ts';
import { PlatformaticProduce, type ProduceSettings } from './platformatic-produce.ts';

const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i;
const ACKS = { all: -1, leader: 1, none: 0 } as const;

export function createPlatformaticDriver(options: ResolvedKafkaOptions, log: Log): KafkaDriver {
  return new PlatformaticDriver(options, log);
}

/**
 * @platformatic/kafka behind the driver seam. What the adapter's accumulator batched goes out as one
 * Produce request per leader per call, written by `platformatic-produce.ts` on the producer client's
 * connections with Switchyard's record batches; that writer owns the idempotent sequencing (a new
 * producer id after a failed idempotent write). Admin calls go through its Admin client; the
 * consumer is `platformatic-consumer.ts`.
 */
class PlatformaticDriver implements KafkaDriver {
  // #private: the clients and the options hold the SASL password (see kafka-transport.ts).
  readonly #options: ResolvedKafkaOptions;
  readonly #base: BaseOptions;
  #adminClient: Admin | undefined;
  #producerClient: Producer<Buffer, Buffer, Buffer, Buffer> | undefined;
  readonly #producerOptions: ProducerOptions<Buffer, Buffer, Buffer, Buffer>;
  readonly #listeners: Array<(event: ConnectionEvent) => void> = [];
  readonly #log: Log;
  readonly #produceSettings: ProduceSettings;
  /** Writes the Produce requests on the producer client's connections (made with the client). */
  #writer: PlatformaticProduce | undefined;
  readonly info: DriverInfo;
  /** Between `connect()` and `disconnect()`: only then are clients made. */
  #open = false;
  /** Bumped by each `connect()` and `disconnect()`: a connect that a disconnect overtook stops. */
  #generation = 0;
  /** Ends the back-off sleeps of a connect when `disconnect()` is called. */
  #aborts = new AbortController();

  constructor(options: ResolvedKafkaOptions, log: Log) {
    this.#options = options;
    this.#log = log;
    this.#base = baseClientOptions(options);
    this.info = platformaticInfo(options);
    const p = options.producer;
    const { initialRetryTimeMs, maxRetryTimeMs, retries } = options.retry;
    this.#produceSettings = {
      acks: ACKS[p.acks],
      idempotent: p.idempotent,
      compression: p.compression,
      timeoutMs: p.produceTimeoutMs,
      retries,
      retryDelay: (attempt) =>
        Math.min(maxRetryTimeMs, initialRetryTimeMs * 2 ** Math.max(0, attempt - 1)) *
        (0.8 + Math.random() * 0.4),
    };
    // The client's producer only lends its connections, metadata and InitProducerId: the driver
    // writes the Produce requests (platformatic-produce.ts) and does the idempotent sequencing, so
    // the client's own idempotent mode, which would also hold each connection to one request in
    // flight, stays off. The accumulator bounds the produce requests in flight per broker.
    const producerOptions: ProducerOptions<Buffer, Buffer, Buffer, Buffer> = {
      ...this.#base,
      timeout: p.produceTimeoutMs,
      idempotent: false,
      maxInflights: Math.max(5, p.maxInFlightRequests),
      repeatOnStaleMetadata: true,
    };
    this.#producerOptions = producerOptions;
  }

  // A closed client cannot connect again: after `disconnect()` the next `connect()` makes new ones.
  get #admin(): Admin {
    this.#checkOpen();
    if (this.#adminClient === undefined) {
      this.#adminClient = new Admin({ ...this.#base });
      this.#watch(this.#adminClient);
    }
    return this.#adminClient;
  }

  get #producer(): Producer<Buffer, Buffer, Buffer, Buffer> {
    this.#checkOpen();
    if (this.#producerClient === undefined) {
      this.#producerClient = new Producer({ ...this.#producerOptions });
      this.#watch(this.#producerClient);
    }
    return this.#producerClient;
  }

  #checkOpen(): void {
    if (!this.#open) throw new EventBusError('CLOSED', 'The Kafka transport is disconnected.');
  }

  // A broker closing one socket (an idle one after connections.max.idle.ms, say) is not the
  // transport losing Kafka: the client opens another on the next request. So a socket closing is no
  // connection event, only a failed connect is; a new socket means the brokers answer again.
  #watch(client: Admin | Producer<Buffer, Buffer, Buffer, Buffer>): void {
    client.on('client:broker:connect', () => this.#emit({ type: 'connected' }));
    client.on('client:broker:failed', (payload: unknown) =>
      this.#emit({ type: 'error', error: (payload as { error?: unknown }).error ?? payload }),
    );
  }

  async connect(): Promise<void> {
    // A metadata request opens (and authenticates) a connection to a bootstrap broker. The client
    // would retry a failed authentication or TLS handshake like a network error (its network error
    // wraps them and says it can be retried); they are final here, so the retries are the driver's.
    const { retries, initialRetryTimeMs, maxRetryTimeMs } = this.#options.retry;
    this.#open = true;
    const generation = ++this.#generation;
    const signal = this.#aborts.signal;
    // After a disconnect (the transport's connect timeout, say) nothing more is opened.
    const check = () => {
      if (generation !== this.#generation)
        throw new EventBusError('CLOSED', 'The Kafka transport is disconnected.');
    };
    for (let attempt = 0; ; attempt++) {
      try {
        check();
        await this.#admin.metadata({ topics: [], retries: 0 });
        check();
        await this.#producer.metadata({ topics: [], retries: 0 });
        check();
        break;
      } catch (error) {
        check();
        const classified = classifyPlatformaticError(error);
        const final =
          classified?.kind === 'authentication' ||
          classified?.root.retriable === false ||
          (typeof classified?.root.code === 'string' && TLS_CODES.test(classified.root.code)) ||
          attempt >= retries;
        if (final) throw error;
        await sleep(Math.min(maxRetryTimeMs, initialRetryTimeMs * 2 ** attempt), undefined, { signal }).catch(
          () => undefined,
        );
      }
    }
    this.#emit({ type: 'connected' });
  }

  async topicMetadata(topic: string): Promise<TopicMetadata | undefined> {
    return this.#lookUp(this.#admin, topic);
  }

  /**
   * The partitioner's lookup goes through the producer's own client: its answer is kept in that
   * client's metadata, which the first Produce to the topic then reads (platformatic-produce.ts)
   * instead of asking again. Through the admin client a topic new to the producer cost two Metadata
   * round trips in a row before its first write, one per client.
   */
  async producerTopicMetadata(topic: string): Promise<TopicMetadata | undefined> {
    return this.#lookUp(this.#producer, topic);
  }

  async #lookUp(
    client: Admin | Producer<Buffer, Buffer, Buffer, Buffer>,
    topic: string,
  ): Promise<TopicMetadata | undefined> {
    try {
      const metadata = await metadataOf(client, [topic], true);
      const found = metadata.topics.get(topic);
      if (found === undefined || found.partitions.length === 0) return undefined;
      const partitions = found.partitions
        .map((p, partition) => ({ partition, leader: p.leader, replicas: p.replicas.length }))
        .sort((a, b) => a.partition - b.partition);
      return { topic, partitions };
    } catch (error) {
      if (isUnknownTopic(error)) return undefined;
      throw error;
    }
  }

  async produce(request: ProduceRequest): Promise<readonly PartitionWrite[]> {
    this.#checkOpen();
    this.#writer ??= new PlatformaticProduce(this.#producer, this.#produceSettings);
    return this.#writer.produce(request);
  }

  async resetProducer(): Promise<void> {
    // The writer already dropped its producer id and sequences when the idempotent write failed;
    // its next write takes a new one.
    this.#writer?.reset();
  }

  createConsumer(config: DriverConsumerConfig): DriverConsumer {
    return new PlatformaticConsumer(this.#options, this.#base, config.group, this.#log);
  }

  async createTopic(spec: DriverTopicSpec): Promise<boolean> {
    try {
      await this.#admin.createTopics({
        topics: [spec.topic],
        partitions: spec.partitions,
        replicas: spec.replicationFactor,
        configs: Object.entries(spec.configs).map(([name, value]) => ({ name, value })),
      });
    } catch (error) {
      if (!hasApiId(error, 'TOPIC_ALREADY_EXISTS')) throw error;
      return false;
    }
    await waitUntilAllServed(this, [spec.topic], this.#options.requestTimeoutMs, () => this.#open, this.#log);
    return true;
  }

  async createTopics(specs: readonly DriverTopicSpec[]): Promise<void> {
    // The client's request carries one set of configs for all its topics: a request per set.
    const byConfigs = new Map<string, DriverTopicSpec[]>();
    for (const spec of specs) {
      const key = JSON.stringify(Object.entries(spec.configs).sort());
      byConfigs.set(key, [...(byConfigs.get(key) ?? []), spec]);
    }
    for (const group of byConfigs.values()) {
      try {
        await this.#admin.createTopics({
          topics: group.map((spec) => ({
            topic: spec.topic,
            partitions: spec.partitions,
            replicas: spec.replicationFactor,
          })),
          configs: Object.entries(group[0]!.configs).map(([name, value]) => ({ name, value })),
        });
      } catch (error) {
        // The answer names only the topics that failed: if each of those exists, all of them do.
        if (!onlyApiId(error, 'TOPIC_ALREADY_EXISTS')) throw error;
      }
    }
    await waitUntilAllServed(
      this,
      specs.map((spec) => spec.topic),
      this.#options.requestTimeoutMs,
      () => this.#open,
      this.#log,
    );
  }

  async topicConfigs(topic: string): Promise<Record<string, string>> {
    const described = await this.#admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic }],
    });
    const out: Record<string, string> = {};
    for (const resource of described) {
      for (const entry of resource.configs) {
        if (entry.configSource === ConfigSources.DYNAMIC_TOPIC_CONFIG && entry.value !== null)
          out[entry.name] = entry.value as string;
      }
    }
    return out;
  }

  async setTopicConfigs(topic: string, configs: Readonly<Record<string, string>>): Promise<void> {
    await this.#admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: topic,
          configs: Object.entries(configs).map(([name, value]) => ({ name, value })),
        },
      ],
    });
  }

  async addPartitions(topic: string, count: number): Promise<void> {
    await this.#admin.createPartitions({ topics: [{ name: topic, count }] });
  }

  async brokerCount(): Promise<number> {
    const metadata = await this.#admin.metadata({ topics: [], forceUpdate: true });
    return metadata.brokers.size;
  }

  async topicOffsets(
    topic: string,
  ): Promise<ReadonlyArray<{ partition: number; low: string; high: string }>> {
    const metadata = await metadataOf(this.#admin, [topic], false);
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    const ids = Array.from({ length: count }, (_, i) => i);
    const list = (timestamp: bigint) =>
      this.#admin.listOffsets({
        topics: [{ name: topic, partitions: ids.map((partitionIndex) => ({ partitionIndex, timestamp })) }],
      });
    const [low, high] = await Promise.all([list(-2n), list(-1n)]);
    const lows = new Map<number, bigint>();
    for (const t of low) for (const p of t.partitions) lows.set(p.partitionIndex, p.offset);
    const out: Array<{ partition: number; low: string; high: string }> = [];
    for (const t of high) {
      for (const p of t.partitions) {
        out.push({
          partition: p.partitionIndex,
          low: String(lows.get(p.partitionIndex) ?? 0n),
          high: String(p.offset),
        });
      }
    }
    return out.sort((a, b) => a.partition - b.partition);
  }

  async groupOffsets(
    group: string,
    topic: string,
  ): Promise<ReadonlyArray<{ partition: number; offset: string }>> {
    const metadata = await metadataOf(this.#admin, [topic], false);
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    const groups = await this.#admin.listConsumerGroupOffsets({
      groups: [
        {
          groupId: group,
          topics: [{ name: topic, partitionIndexes: Array.from({ length: count }, (_, i) => i) }],
        },
      ],
    });
    const partitions =
      groups.find((g) => g.groupId === group)?.topics.find((t) => t.name === topic)?.partitions ?? [];
    return partitions.map((p) => ({ partition: p.partitionIndex, offset: String(p.committedOffset) }));
  }

  onConnectionEvent(listener: (event: ConnectionEvent) => void): void {
    this.#listeners.push(listener);
  }

  async disconnect(): Promise<void> {
    this.#open = false;
    this.#generation++;
    this.#aborts.abort();
    this.#aborts = new AbortController();
    const clients = [this.#producerClient, this.#adminClient];
    this.#producerClient = undefined;
    this.#writer = undefined;
    this.#adminClient = undefined;
    await Promise.allSettled(clients.map((client) => client?.close()));
    this.#emit({ type: 'disconnected' });
  }

  #emit(event: ConnectionEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

/**
 * The client's metadata of `topics`, without its retries for a topic the broker does not know. The
 * client counts "unknown topic" among the errors it retries, through the whole retry back-off (~3 s
 * on the `local` profile) before it says so: every new topic's first publish or subscribe waited
 * that long before the transport could create it. So the first question is asked without retries,
 * and only another error is asked again with them.
 */
function metadataOf(
  client: Admin | Producer<Buffer, Buffer, Buffer, Buffer>,
  topics: string[],
  forceUpdate: boolean,
): Promise<ClusterMetadata> {
  return client.metadata({ topics, forceUpdate, retries: 0 }).catch((error: unknown) => {
    if (isUnknownTopic(error)) throw error;
    return client.metadata({ topics, forceUpdate });
  });
}
