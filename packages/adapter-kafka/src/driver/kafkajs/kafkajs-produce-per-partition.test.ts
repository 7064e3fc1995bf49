import { describe, expect, it } from 'vitest';
import { answerProducePerPartition, partitionError } from './kafkajs-produce-per-partition.ts';

const PRODUCE = 0;
const METADATA = 3;

/** A broker as kafkajs' cluster hands it out: its `lookupRequest` is set again on each connect. */
function fakeBroker() {
  const parsed: string[] = [];
  const lookupFor = (tag: string) => (apiKey: number) => (args: unknown) => ({
    request: { apiKey, args },
    response: {
      decode: async (raw: unknown) => raw,
      parse: async (data: { topics: Array<{ partitions: Array<{ errorCode: number }> }> }) => {
        parsed.push(tag);
        if (data.topics.some((t) => t.partitions.some((p) => p.errorCode !== 0)))
          throw Object.assign(new Error('kafkajs threw'), { type: 'ANY' });
        return data;
      },
    },
  });
  const broker: { lookupRequest: ReturnType<typeof lookupFor> } = { lookupRequest: lookupFor('initial') };
  const connect = (tag: string) => {
    broker.lookupRequest = lookupFor(tag);
  };
  return { broker, parsed, connect };
}

const answer = (...topics: number[][]) => ({
  topics: topics.map((codes, i) => ({
    topicName: `t${i}`,
    partitions: codes.map((errorCode, partition) => ({ partition, errorCode, baseOffset: '5' })),
  })),
});

type Broker = ReturnType<typeof fakeBroker>['broker'];

async function clusterWith(broker: Broker): Promise<Broker> {
  const cluster = { findBroker: async () => broker };
  expect(answerProducePerPartition(cluster, false)).toBe(true);
  return cluster.findBroker();
}

describe('answerProducePerPartition', () => {
  it('keeps a Produce answer whose only failures are unknown partitions next to a write', async () => {
    const { broker } = fakeBroker();
    const found = await clusterWith(broker);
    const data = answer([0, 0], [3, 3]);
    expect(await found.lookupRequest(PRODUCE)({}).response.parse(data)).toBe(data);
  });

  it("leaves every other answer to kafkajs' parse: all unknown, another error, no error, another request", async () => {
    const { broker, parsed } = fakeBroker();
    const found = await clusterWith(broker);
    const parse = (apiKey: number, data: ReturnType<typeof answer>) =>
      found.lookupRequest(apiKey)({}).response.parse(data);
    await expect(parse(PRODUCE, answer([3, 3]))).rejects.toThrow('kafkajs threw');
    await expect(parse(PRODUCE, answer([0, 0], [3, 6]))).rejects.toThrow('kafkajs threw'); // 6: not leader
    const clean = answer([0, 0], [0]);
    expect(await parse(PRODUCE, clean)).toBe(clean);
    await expect(parse(METADATA, answer([0], [3]))).rejects.toThrow('kafkajs threw');
    expect(parsed).toEqual(['initial', 'initial', 'initial', 'initial']);
  });

  it('still keeps partial answers after the broker reconnected (kafkajs sets lookupRequest anew)', async () => {
    const { broker, parsed, connect } = fakeBroker();
    const found = await clusterWith(broker);
    connect('reconnected');
    await expect(
      found
        .lookupRequest(PRODUCE)({})
        .response.parse(answer([3])),
    ).rejects.toThrow();
    const partial = answer([0], [3]);
    expect(await found.lookupRequest(PRODUCE)({}).response.parse(partial)).toBe(partial);
    expect(parsed).toEqual(['reconnected']);
  });

  it('wraps a broker once however often it is found', async () => {
    const { broker, parsed } = fakeBroker();
    const cluster = { findBroker: async () => broker };
    answerProducePerPartition(cluster, false);
    await cluster.findBroker();
    await cluster.findBroker();
    await expect(
      broker
        .lookupRequest(PRODUCE)({})
        .response.parse(answer([0], [3, 3])),
    ).resolves.toBeDefined();
    await expect(
      broker
        .lookupRequest(PRODUCE)({})
        .response.parse(answer([1])),
    ).rejects.toThrow();
    expect(parsed).toEqual(['initial']);
  });

  it('changes nothing for an idempotent producer or a cluster of another shape', async () => {
    const { broker } = fakeBroker();
    const cluster = { findBroker: async () => broker };
    expect(answerProducePerPartition(cluster, true)).toBe(false);
    await cluster.findBroker();
    await expect(
      broker
        .lookupRequest(PRODUCE)({})
        .response.parse(answer([0], [3])),
    ).rejects.toThrow();
    expect(answerProducePerPartition({}, false)).toBe(false);
    expect(answerProducePerPartition(undefined, false)).toBe(false);
  });

  it("gives kafkajs' own error for a kept partition's code", () => {
    expect(partitionError(3)).toMatchObject({
      name: 'KafkaJSProtocolError',
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
      retriable: true,
    });
  });
});
