import type kafkajs from 'kafkajs';

/** What the driver uses of the cluster kafkajs 2.2.4 makes for each producer (its metadata and connections). */
export interface ProducerCluster {
  /** Every topic the producer has written to or looked up (kafkajs adds, never removes). */
  readonly targetTopics: Set<string>;
  isConnected(): boolean;
  refreshMetadata(): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  /** Adds topics to the producer's metadata; fetches it (one Metadata request) when one is new. */
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  findTopicPartitionMetadata(topic: string): ReadonlyArray<{
    readonly partitionId: number;
    readonly leader: number;
    readonly replicas: readonly number[];
  }>;
}

const CREATE_CLUSTER = 'private:Kafka:createCluster';

/**
 * `kafka.producer(config)`, and the cluster kafkajs made for that producer, when it can be found:
 * kafkajs builds it with a private factory on the client and keeps it inside the producer's closure.
 * The driver loads a new topic's metadata there, so the producer's first send to the topic needs no
 * Metadata request of its own (kafka-metadata-first-send.integration.test.ts). Another kafkajs
 * version (a factory by another name, a cluster without these methods) gives `undefined`, and the
 * driver looks metadata up with its admin client alone, as before.
 */
export function producerWithCluster(
  kafka: kafkajs.Kafka,
  config: kafkajs.ProducerConfig,
): { producer: kafkajs.Producer; cluster: ProducerCluster | undefined } {
  const { client, cluster } = withCluster(kafka, () => kafka.producer(config));
  return { producer: client, cluster };
}

/** `make()` (a producer, an admin), and the cluster kafkajs made for it when it can be found (see above). */
export function withCluster<T>(
  kafka: kafkajs.Kafka,
  make: () => T,
): { client: T; cluster: ProducerCluster | undefined } {
  const factories = kafka as unknown as Record<symbol, unknown>;
  const key = Object.getOwnPropertySymbols(factories).find((s) => s.description === CREATE_CLUSTER);
  const create = key === undefined ? undefined : factories[key];
  if (key === undefined || typeof create !== 'function') return { client: make(), cluster: undefined };
  let made: unknown;
  factories[key] = (...args: unknown[]) => {
    made = (create as (...a: unknown[]) => unknown)(...args);
    return made;
  };
  try {
    return { client: make(), cluster: asProducerCluster(made) };
  } finally {
    factories[key] = create;
  }
}

function asProducerCluster(value: unknown): ProducerCluster | undefined {
  const c = value as Partial<Record<keyof ProducerCluster, unknown>> | undefined;
  return c !== undefined &&
    c.targetTopics instanceof Set &&
    typeof c.isConnected === 'function' &&
    typeof c.refreshMetadata === 'function' &&
    typeof c.refreshMetadataIfNecessary === 'function' &&
    typeof c.addMultipleTargetTopics === 'function' &&
    typeof c.findTopicPartitionMetadata === 'function'
    ? (c as ProducerCluster)
    : undefined;
}
