import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import kafkajs from './kafkajs.ts';
import type { TestBroker } from './run-cli.ts';

/** Another process creating and deleting topics with the broker's own client (a test, a bench, a retention job). */
export interface TopicChurn {
  create(topic: string): Promise<void>;
  delete(topic: string): Promise<void>;
  close(): Promise<void>;
}

export async function topicChurn(broker: TestBroker): Promise<TopicChurn> {
  if (broker.name === 'kafka') {
    const admin = new kafkajs.Kafka({ brokers: broker.env.KAFKA_BROKERS!.split(','), logLevel: 0 }).admin();
    await admin.connect();
    return {
      create: async (topic) => {
        // Not kafkajs' `waitForLeaders`: it gives up on UNKNOWN_TOPIC_OR_PARTITION, which a KRaft
        // broker answers until its metadata image has caught up with the controller (CI saw it under
        // this churn). A churner deletes the topic next and needs no leader.
        await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: false });
      },
      delete: (topic) => admin.deleteTopics({ topics: [topic] }),
      close: () => admin.disconnect(),
    };
  }
  if (broker.name === 'redis') {
    const redis = new Redis(broker.env.REDIS_URL!);
    return {
      create: async (topic) => {
        await redis.xadd(topic, '*', 'data', '{}');
      },
      delete: async (topic) => {
        await redis.del(topic);
      },
      close: async () => redis.disconnect(),
    };
  }
  const nc = await connect({ servers: broker.env.NATS_URL! });
  const jsm = await jetstreamManager(nc);
  const stream = (topic: string) => topic.replace(/[^A-Za-z0-9_-]/g, '_');
  return {
    create: async (topic) => {
      await jsm.streams.add({ name: stream(topic), subjects: [topic] });
    },
    delete: async (topic) => {
      await jsm.streams.delete(stream(topic));
    },
    close: () => nc.close(),
  };
}
