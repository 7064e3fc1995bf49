// Must load before kafkajs, as in the driver (kafkajs-encoder-patch.ts).
import './kafkajs-encoder-patch.ts';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { producerWithCluster } from './kafkajs-producer-cluster.ts';

const client = () => new kafkajs.Kafka({ brokers: ['127.0.0.1:1'], logLevel: kafkajs.logLevel.NOTHING });
const factoryOf = (kafka: kafkajs.Kafka) =>
  Object.getOwnPropertySymbols(kafka)
    .filter((s) => s.description === 'private:Kafka:createCluster')
    .map((s) => (kafka as unknown as Record<symbol, unknown>)[s]);

describe('producerWithCluster', () => {
  it('finds the cluster kafkajs 2.2.4 makes for a producer, and leaves the client as it was', () => {
    const kafka = client();
    const before = factoryOf(kafka);
    const { producer, cluster } = producerWithCluster(kafka, { idempotent: true, maxInFlightRequests: 1 });
    expect(typeof producer.sendBatch).toBe('function');
    expect(cluster).toBeDefined();
    expect(cluster?.isConnected()).toBe(false);
    expect(cluster?.targetTopics.size).toBe(0);
    expect(factoryOf(kafka)).toEqual(before);
  });

  it('gives a producer and no cluster when the client has no such factory (another kafkajs)', () => {
    const producer = { sendBatch() {} } as unknown as kafkajs.Producer;
    const kafka = { producer: () => producer } as unknown as kafkajs.Kafka;
    expect(producerWithCluster(kafka, {})).toEqual({ producer, cluster: undefined });
  });
});
