// Must load before kafkajs: see kafkajs-encoder-patch.ts.
import './kafkajs-encoder-patch.ts';
import type { Log } from '@switchyard/core/transport';
import type { Message } from 'kafkajs';
import kafkajs from 'kafkajs';
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
import { compressionType, registerCompressionCodecs } from './compression.ts';
import { KafkajsConsumer } from './kafkajs-consumer.ts';
import { forgetDeletedTopics } from './kafkajs-deleted-topics.ts';
import { encoderPatch } from './kafkajs-encoder-patch.ts';
import { kafkajsVersion } from './kafkajs-info.ts';
import { KAFKAJS_LEVEL, logCreatorFor } from './kafkajs-logger.ts';
import { resendUnknownPartitions, writesAroundDeletedTopics } from './kafkajs-partial-writes.ts';
import { kafkajsPatched, patchKafkajs } from './kafkajs-patches.ts';
import { answerProducePerPartition, partitionError } from './kafkajs-produce-per-partition.ts';
import { type ProducerCluster, producerWithCluster, withCluster } from './kafkajs-producer-cluster.ts';

const { Kafka, ConfigResourceTypes } = kafkajs;
const ACKS = { all: -1, leader: 1, none: 0 } as const;

/** The partition is chosen above the driver (Java-compatible murmur2 or sticky); kafkajs only obeys it. */
const usePartitionAsGiven: kafkajs.ICustomPartitioner = () => (args) => args.message.partition ?? 0;

interface ProducerSession {
  readonly producer: kafkajs.Producer;
  /** The producer's own metadata (see kafkajs-producer-cluster.ts); undefined with another kafkajs. */
  readonly cluster: ProducerCluster | undefined;
  inFlight: number;
  retired: boolean;
}

export function createKafkajsDriver(options: ResolvedKafkaOptions, log: Log): KafkaDriver {
  return new KafkajsDriver(options, log);
}

/** A topic to create, as kafkajs' admin takes it. */
function kafkajsTopic(spec: DriverTopicSpec) {
  return {
    topic: spec.topic,
    numPartitions: spec.partitions,
    replicationFactor: spec.replicationFactor,
    configEntries: Object.entries(spec.configs).map(([name, value]) => ({ name, value })),
  };
}

class KafkajsDriver implements KafkaDriver {
  // #private: the kafkajs client and the options hold the SASL password (see kafka-transport.ts).
  readonly #kafka: kafkajs.Kafka;
  readonly #admin: kafkajs.Admin;
  #session: ProducerSession;
  readonly #listeners: Array<(event: ConnectionEvent) => void> = [];
  readonly #acks: -1 | 0 | 1;
  readonly #compression: kafkajs.CompressionTypes;
  readonly #options: ResolvedKafkaOptions;
  readonly #log: Log;
  /** Set by the first successful `connect()`: until then kafkajs' connect-attempt lines are written at debug. */
  #connectedOnce = false;
  /** Between connect and disconnect: a wait for a new topic to be served stops, quietly, once closed. */
  #open = false;
  readonly #isOpen = (): boolean => this.#open;
  readonly info: DriverInfo;
  /** What `info` reports as replaced inside kafkajs; `producePerPartition` is set with each producer. */
  readonly #patches: {
    encoder: typeof encoderPatch;
    requestQueue: boolean;
    emptyFetchBatches: boolean;
    rejoinWait: boolean;
    producePerPartition: boolean;
  };

  constructor(options: ResolvedKafkaOptions, log: Log) {
    this.#options = options;
    this.#log = log;
    registerCompressionCodecs();
    patchKafkajs();
    if (encoderPatch === 'varint-only') warnEncoderPatchLate(log);
    this.#patches = {
      encoder: encoderPatch,
      requestQueue: kafkajsPatched(),
      emptyFetchBatches: kafkajsPatched(),
      rejoinWait: kafkajsPatched(),
      // kafkajs-produce-per-partition.ts, on this driver's own producer (never an idempotent one).
      producePerPartition: false,
    };
    this.info = {
      driver: 'kafkajs',
      clientVersion: kafkajsVersion(),
      // What is replaced inside kafkajs (see kafkajs-encoder-patch.ts and kafkajs-patches.ts):
      // `full`, `varint-only` (kafkajs was loaded before the adapter) or `skipped` (another version).
      // patchKafkajs applies the request-queue, empty-fetch-batch and rejoin-wait patches together.
      patches: this.#patches,
    };
    this.#kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      ssl: options.tls ?? false,
      ...(options.sasl === undefined ? {} : { sasl: { ...options.sasl } as kafkajs.SASLOptions }),
      connectionTimeout: options.connectTimeoutMs,
      authenticationTimeout: options.authenticationTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      enforceRequestTimeout: true,
      retry: {
        retries: options.retry.retries,
        initialRetryTime: options.retry.initialRetryTimeMs,
        maxRetryTime: options.retry.maxRetryTimeMs,
      },
      logLevel: KAFKAJS_LEVEL[options.logLevel],
      logCreator: logCreatorFor(log, () => !this.#connectedOnce),
    });
    const admin = withCluster(this.#kafka, () => this.#kafka.admin());
    this.#admin = admin.client;
    // The admin's own lookups (topic metadata, offsets, creating a topic) fail alike once a topic
    // it looked up is deleted elsewhere.
    if (admin.cluster !== undefined) this.#forgetDeletedTopics(admin.cluster);
    this.#session = this.#newSession();
    this.#acks = ACKS[options.producer.acks];
    this.#compression = compressionType(options.producer.compression);
  }

  async connect(): Promise<void> {
    this.#open = true;
    await this.#admin.connect();
    await this.#session.producer.connect();
    this.#connectedOnce = true;
    this.#emit({ type: 'connected' });
  }

  async topicMetadata(topic: string): Promise<TopicMetadata | undefined> {
    try {
      const { topics } = await this.#admin.fetchTopicMetadata({ topics: [topic] });
      const found = topics.find((t) => t.name === topic);
      return found === undefined ? undefined : toTopicMetadata(topic, found.partitions);
    } catch (error) {
      if ((error as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION') return undefined;
      throw error;
    }
  }

  /**
   * A topic the producer has not sent to yet is looked up by the producer's own client, in the one
   * Metadata request its first send would make anyway; the admin lookup (kafkajs' `fetchTopicMetadata`
   * asks twice for a topic it has not seen) would come on top of it, three round trips before a new
   * topic's first write. A topic the producer knows (a refresh after a failed write, or of an old
   * entry), a producer not connected (an admin-only use: `ensureTopic` before any publish), or a
   * failed lookup goes to the admin client as before, so errors and "no such topic" read the same.
   */
  async producerTopicMetadata(topic: string): Promise<TopicMetadata | undefined> {
    const cluster = this.#session.cluster;
    if (cluster === undefined || !cluster.isConnected() || cluster.targetTopics.has(topic))
      return this.topicMetadata(topic);
    try {
      await cluster.addMultipleTargetTopics([topic]);
      const found = toTopicMetadata(topic, cluster.findTopicPartitionMetadata(topic));
      if (found !== undefined) return found;
    } catch {
      // Not there, or not answered: the admin client's lookup decides, as it did before.
    }
    return this.topicMetadata(topic);
  }

  async produce(request: ProduceRequest): Promise<readonly PartitionWrite[]> {
    const session = this.#session;
    session.inFlight++;
    const send = async (topics: ProduceRequest['topics']) => {
      const written = await session.producer.sendBatch({
        acks: this.#acks,
        timeout: this.#options.producer.produceTimeoutMs,
        compression: this.#compression,
        topicMessages: topics.map(({ topic, records }) => ({
          topic,
          // A DriverRecord is the message kafkajs wants ({ partition, key, value, headers }), and
          // kafkajs only reads it: no copy per event.
          messages: records as Message[],
        })),
      });
      return written.map(
        (w): PartitionWrite =>
          w.errorCode === 0 || w.errorCode === undefined
            ? { topic: w.topicName, partition: w.partition, baseOffset: w.baseOffset }
            : {
                topic: w.topicName,
                partition: w.partition,
                baseOffset: undefined,
                error: partitionError(w.errorCode),
              },
      );
    };
    const listTopics = () => this.#admin.listTopics();
    try {
      return await send(request.topics).then(
        (writes) => resendUnknownPartitions(writes, request, listTopics, send),
        async (error: unknown) => {
          const writes = await writesAroundDeletedTopics(
            error,
            request,
            this.#options.producer.idempotent,
            listTopics,
            send,
          );
          if (writes === undefined) throw error;
          return writes;
        },
      );
    } finally {
      session.inFlight--;
      if (session.retired && session.inFlight === 0)
        void session.producer.disconnect().catch(() => undefined);
    }
  }

  async resetProducer(): Promise<void> {
    const old = this.#session;
    const fresh = this.#newSession();
    await fresh.producer.connect();
    this.#session = fresh;
    old.retired = true;
    if (old.inFlight === 0) await old.producer.disconnect().catch(() => undefined);
  }

  createConsumer(config: DriverConsumerConfig): DriverConsumer {
    const c = this.#options.consumer;
    const create = (restartOnFailure: () => Promise<boolean>) =>
      this.#kafka.consumer({
        groupId: config.group,
        sessionTimeout: c.sessionTimeoutMs,
        rebalanceTimeout: c.rebalanceTimeoutMs,
        heartbeatInterval: c.heartbeatIntervalMs,
        metadataMaxAge: this.#options.metadataMaxAgeMs,
        allowAutoTopicCreation: false,
        minBytes: c.minBytes,
        maxBytes: c.maxBytes,
        maxBytesPerPartition: c.maxBytesPerPartition,
        maxWaitTimeInMs: c.maxWaitTimeMs,
        retry: {
          retries: this.#options.retry.retries,
          initialRetryTime: this.#options.retry.initialRetryTimeMs,
          maxRetryTime: this.#options.retry.maxRetryTimeMs,
          restartOnFailure,
        },
      });
    return new KafkajsConsumer(create, config.group, c.rebalanceTimeoutMs + c.sessionTimeoutMs);
  }

  async createTopic(spec: DriverTopicSpec): Promise<boolean> {
    const created = await this.#admin.createTopics({
      // kafkajs' own wait gives up on UNKNOWN_TOPIC_OR_PARTITION, which a KRaft broker answers until
      // its metadata image has caught up with the controller; so wait here instead.
      waitForLeaders: false,
      timeout: this.#options.requestTimeoutMs,
      topics: [kafkajsTopic(spec)],
    });
    await waitUntilAllServed(this, [spec.topic], this.#options.requestTimeoutMs, this.#isOpen, this.#log);
    return created;
  }

  async createTopics(specs: readonly DriverTopicSpec[]): Promise<void> {
    // kafkajs answers false, not an error, when the only errors were TOPIC_ALREADY_EXISTS.
    await this.#admin.createTopics({
      waitForLeaders: false, // as in createTopic
      timeout: this.#options.requestTimeoutMs,
      topics: specs.map(kafkajsTopic),
    });
    await waitUntilAllServed(
      this,
      specs.map((spec) => spec.topic),
      this.#options.requestTimeoutMs,
      this.#isOpen,
      this.#log,
    );
  }

  async topicConfigs(topic: string): Promise<Record<string, string>> {
    const described = await this.#admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
    });
    const out: Record<string, string> = {};
    for (const resource of described.resources) {
      for (const entry of resource.configEntries) {
        if (!entry.isDefault && entry.configValue !== null) out[entry.configName] = entry.configValue;
      }
    }
    return out;
  }

  async setTopicConfigs(topic: string, configs: Readonly<Record<string, string>>): Promise<void> {
    await this.#admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topic,
          configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })),
        },
      ],
    });
  }

  async addPartitions(topic: string, count: number): Promise<void> {
    await this.#admin.createPartitions({ topicPartitions: [{ topic, count }] });
  }

  async brokerCount(): Promise<number> {
    const cluster = await this.#admin.describeCluster();
    return cluster.brokers.length;
  }

  async topicOffsets(
    topic: string,
  ): Promise<ReadonlyArray<{ partition: number; low: string; high: string }>> {
    const offsets = await this.#admin.fetchTopicOffsets(topic);
    return offsets.map((o) => ({ partition: o.partition, low: o.low, high: o.high }));
  }

  async groupOffsets(
    group: string,
    topic: string,
  ): Promise<ReadonlyArray<{ partition: number; offset: string }>> {
    const offsets = await this.#admin.fetchOffsets({ groupId: group, topics: [topic] });
    return (offsets.find((t) => t.topic === topic)?.partitions ?? []).map((p) => ({
      partition: p.partition,
      offset: p.offset,
    }));
  }

  onConnectionEvent(listener: (event: ConnectionEvent) => void): void {
    this.#listeners.push(listener);
  }

  async disconnect(): Promise<void> {
    this.#open = false;
    await Promise.allSettled([this.#session.producer.disconnect(), this.#admin.disconnect()]);
    this.#emit({ type: 'disconnected' });
  }

  #newSession(): ProducerSession {
    const p = this.#options.producer;
    const { producer, cluster } = producerWithCluster(this.#kafka, {
      createPartitioner: usePartitionAsGiven,
      idempotent: p.idempotent,
      maxInFlightRequests: p.maxInFlightRequests,
      allowAutoTopicCreation: false,
      metadataMaxAge: this.#options.metadataMaxAgeMs,
      retry: {
        retries: this.#options.retry.retries,
        initialRetryTime: this.#options.retry.initialRetryTimeMs,
        maxRetryTime: this.#options.retry.maxRetryTimeMs,
      },
    });
    producer.on(producer.events.DISCONNECT, () => {
      if (producer === this.#session?.producer) this.#emit({ type: 'disconnected' });
    });
    if (cluster !== undefined) this.#forgetDeletedTopics(cluster);
    // See kafkajs-produce-per-partition.ts; an idempotent producer goes through kafkajs-partial-writes.ts.
    this.#patches.producePerPartition = answerProducePerPartition(cluster, p.idempotent);
    return { producer, cluster, inFlight: 0, retired: false };
  }

  /** See kafkajs-deleted-topics.ts. */
  #forgetDeletedTopics(cluster: ProducerCluster): void {
    forgetDeletedTopics(
      cluster,
      () => this.#admin.listTopics(),
      (topics) =>
        this.#log(
          'info',
          `Topic(s) ${topics.join(', ')} were deleted on the brokers: no longer asking for their metadata`,
        ),
    );
  }

  #emit(event: ConnectionEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

let warnedEncoderPatchLate = false;

/** Once per process: kafkajs ran before this driver loaded, so its encoder keeps most of its cost. */
function warnEncoderPatchLate(log: Log): void {
  if (warnedEncoderPatchLate) return;
  warnedEncoderPatchLate = true;
  log(
    'warn',
    "kafkajs was loaded before the kafkajs driver, so the driver's faster record encoder is not in place " +
      '(publishing costs more CPU; events are the same). If the application uses kafkajs itself, ' +
      "import '@switchyard/adapter-kafka/kafkajs' before its first import of 'kafkajs'.",
  );
}

function toTopicMetadata(
  topic: string,
  partitions: ReadonlyArray<{ partitionId: number; leader: number; replicas: readonly number[] }>,
): TopicMetadata | undefined {
  if (partitions.length === 0) return undefined;
  return {
    topic,
    partitions: partitions
      .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas.length }))
      .sort((a, b) => a.partition - b.partition),
  };
}
