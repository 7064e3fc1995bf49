import { EventBusError } from '@switchyard/core';
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
} from './driver.ts';

/**
 * A driver whose module is imported on the first `connect()`: a client library is loaded only by the
 * transports that use it. A platformatic-only application never loads kafkajs (so the kafkajs
 * driver's patches never touch a kafkajs the application uses itself), and a kafkajs-only one never
 * loads @platformatic/kafka (it needs a newer Node than kafkajs users may run). Every call but
 * `createConsumer` waits for the import; the transport connects before anything else.
 */
export class DeferredDriver implements KafkaDriver {
  readonly #info: DriverInfo;
  /** Said when the module cannot be imported: what the user can do about it. */
  readonly #hint: string;
  readonly #load: () => Promise<() => KafkaDriver>;
  #loading: Promise<KafkaDriver> | undefined;
  #driver: KafkaDriver | undefined;
  readonly #listeners: Array<(event: ConnectionEvent) => void> = [];

  /**
   * `info`: what `health()` reports until the driver is loaded (then the driver's own `info`).
   * `load` imports the driver's module and gives back how to make the driver: an import that fails
   * rejects `UNSUPPORTED` with `hint`; an error making the driver (its options, say) is passed on.
   */
  constructor(info: DriverInfo, load: () => Promise<() => KafkaDriver>, hint: string) {
    this.#info = info;
    this.#load = load;
    this.#hint = hint;
  }

  get info(): DriverInfo {
    return this.#driver?.info ?? this.#info;
  }

  #loaded(): Promise<KafkaDriver> {
    this.#loading ??= this.#load()
      .then(
        (create) => {
          const driver = create();
          for (const listener of this.#listeners) driver.onConnectionEvent(listener);
          this.#driver = driver;
          return driver;
        },
        (error: unknown) => {
          throw new EventBusError(
            'UNSUPPORTED',
            `The ${this.#info.driver} Kafka driver could not be loaded on Node ${process.versions.node}: ${(error as Error)?.message ?? error}. ${this.#hint}`,
            { cause: error },
          );
        },
      )
      .catch((error: unknown) => {
        this.#loading = undefined; // the next connect tries again
        throw error;
      });
    return this.#loading;
  }

  async load(): Promise<void> {
    await this.#loaded();
  }

  async connect(): Promise<void> {
    await (await this.#loaded()).connect();
  }

  async topicMetadata(topic: string): Promise<TopicMetadata | undefined> {
    return (await this.#loaded()).topicMetadata(topic);
  }

  async producerTopicMetadata(topic: string): Promise<TopicMetadata | undefined> {
    // Called as soon as a burst's first send reaches the producer: once loaded, no microtask first.
    const driver = this.#driver ?? (await this.#loaded());
    return driver.producerTopicMetadata === undefined
      ? driver.topicMetadata(topic)
      : driver.producerTopicMetadata(topic);
  }

  async produce(request: ProduceRequest): Promise<readonly PartitionWrite[]> {
    return (this.#driver ?? (await this.#loaded())).produce(request);
  }

  async resetProducer(): Promise<void> {
    await (await this.#loaded()).resetProducer();
  }

  createConsumer(config: DriverConsumerConfig): DriverConsumer {
    if (this.#driver === undefined)
      throw new EventBusError('NOT_CONNECTED', 'The Kafka transport is not connected.');
    return this.#driver.createConsumer(config);
  }

  async createTopic(spec: DriverTopicSpec): Promise<boolean> {
    return (await this.#loaded()).createTopic(spec);
  }

  async createTopics(specs: readonly DriverTopicSpec[]): Promise<void> {
    const driver = await this.#loaded();
    if (driver.createTopics === undefined) throw new Error('the driver creates topics one at a time');
    await driver.createTopics(specs);
  }

  async topicConfigs(topic: string): Promise<Record<string, string>> {
    return (await this.#loaded()).topicConfigs(topic);
  }

  async setTopicConfigs(topic: string, configs: Readonly<Record<string, string>>): Promise<void> {
    await (await this.#loaded()).setTopicConfigs(topic, configs);
  }

  async addPartitions(topic: string, count: number): Promise<void> {
    await (await this.#loaded()).addPartitions(topic, count);
  }

  async brokerCount(): Promise<number> {
    return (await this.#loaded()).brokerCount();
  }

  async topicOffsets(
    topic: string,
  ): Promise<ReadonlyArray<{ partition: number; low: string; high: string }>> {
    return (await this.#loaded()).topicOffsets(topic);
  }

  async groupOffsets(
    group: string,
    topic: string,
  ): Promise<ReadonlyArray<{ partition: number; offset: string }>> {
    return (await this.#loaded()).groupOffsets(group, topic);
  }

  onConnectionEvent(listener: (event: ConnectionEvent) => void): void {
    this.#listeners.push(listener);
    this.#driver?.onConnectionEvent(listener);
  }

  async disconnect(): Promise<void> {
    // A connect still importing the module is disconnected once it has it.
    const driver = this.#driver ?? (await this.#loading?.catch(() => undefined));
    await driver?.disconnect();
  }
}
