import { Consumer, Producer } from '@platformatic/kafka';
import { emitInChunks, publishInChunks, windowed } from './chunked-publish.ts';
import {
  type KafkaSettings,
  type PRESETS,
  resolveSettings,
  type TopicReplication,
  topicReplication,
} from './kafka-settings.ts';
import { consumeSameWork, SAME_WORK_DESERIALIZERS } from './platformatic-same-work.ts';
import { PLATFORMATIC, type PlatformaticVariant, platformaticInfo } from './platformatic-variants.ts';
import { decode, encode } from './switchyard-client.ts';
import type { Outgoing, Subject } from './types.ts';

const ACKS = { all: -1, leader: 1, none: 0 } as const;

/**
 * @platformatic/kafka (pure TypeScript) raw, as a second Node Kafka client: what choosing kafkajs
 * costs. Same acks, idempotence, compression and batch size as the Switchyard settings; buffers in
 * and out, no serialisers beyond the JSON both sides do.
 */
export function platformaticSubject(
  brokers: (env: Record<string, string>) => string[],
  createTopic: (
    topic: string,
    env: Record<string, string>,
    partitions: number,
    replication: TopicReplication,
  ) => Promise<void>,
  presets: () => typeof PRESETS,
  /**
   * The `platformatic+ce` variant sends the CloudEvents headers Switchyard sends (as `kafkajs+ce`
   * does); `platformatic+each` publishes with one `send` per message (`eachSend`), concurrent only.
   */
  variant: PlatformaticVariant = PLATFORMATIC,
): Subject {
  const settingsOf = (config: Parameters<typeof resolveSettings>[0]): KafkaSettings =>
    resolveSettings(config, presets());
  const headers = variant.headers;
  return {
    ...platformaticInfo(variant),
    prepareTopic: (topic, config, env, options) =>
      createTopic(topic, env, options.partitions, topicReplication(config)),
    async producer(config, env) {
      const s = settingsOf(config);
      const producer = new Producer<Buffer, Buffer, string, string>({
        clientId: 'bench-platformatic',
        bootstrapBrokers: brokers(env),
        idempotent: s.idempotent,
        acks: ACKS[s.acks],
        compression: s.compression,
        autocreateTopics: false,
        ...(headers === undefined
          ? {}
          : {
              serializers: {
                headerKey: (k?: string) => (k === undefined ? undefined : Buffer.from(k)),
                headerValue: (v?: string) => (v === undefined ? undefined : Buffer.from(v)),
              },
            }),
      });
      // Connected when opened, as the other subjects' producers are (the client connects lazily).
      await producer.metadata({ topics: [] });
      const toMessage = (topic: string, m: Outgoing) => ({
        topic,
        key: Buffer.from(m.key),
        value: encode(m),
        ...(headers === undefined ? {} : { headers: headers() }),
      });
      const sendChunk = (topic: string, from: number, to: number, make: (i: number) => Outgoing) => {
        const messages = new Array(to - from);
        for (let i = from; i < to; i++) messages[i - from] = toMessage(topic, make(i));
        return producer.send({ messages });
      };
      /** Sends of `batch` messages (the preset's batch size, or the whole window), `inFlight` messages open. */
      const inChunks = (
        topic: string,
        count: number,
        make: (i: number) => Outgoing,
        inFlight: number,
        batch = inFlight,
      ) => publishInChunks(count, batch, inFlight, (from, to) => sendChunk(topic, from, to, make));
      /** As a user with one call per event would: `inFlight` sends of one message open. */
      const eachSend = (topic: string, count: number, make: (i: number) => Outgoing, inFlight: number) =>
        windowed(count, inFlight, (i) => producer.send({ messages: [toMessage(topic, make(i))] }));
      return {
        async publish(topic, m) {
          await producer.send({ messages: [toMessage(topic, m)] });
        },
        publishMany:
          variant.eachSend === true
            ? eachSend
            : (topic, count, make, inFlight) => inChunks(topic, count, make, inFlight, s.batchMaxMessages),
        ...(variant.eachSend === true ? {} : { publishBatches: inChunks }),
        emitMany: (topic, count, make) =>
          emitInChunks(count, s.batchMaxMessages, (from, to) => sendChunk(topic, from, to, make)),
        send(topic, m, onError) {
          producer.send({ messages: [toMessage(topic, m)] }).catch(onError);
        },
        close: () => producer.close(),
      };
    },
    async consumer(config, env) {
      const s = settingsOf(config);
      const consumers: Consumer<Buffer, Buffer, string, string>[] = [];
      const stops: Array<() => Promise<void>> = [];
      return {
        async subscribe(topic, group, onData) {
          const consumer = new Consumer({
            clientId: 'bench-platformatic',
            groupId: group,
            bootstrapBrokers: brokers(env),
            minBytes: s.minBytes,
            maxWaitTime: s.maxWaitTimeMs,
            sessionTimeout: 10_000,
            heartbeatInterval: 1_000,
            ...(variant.sameWork === true ? { deserializers: SAME_WORK_DESERIALIZERS } : {}),
          }) as Consumer<Buffer, Buffer, string, string>;
          consumers.push(consumer);
          if (variant.sameWork === true) {
            stops.push(await consumeSameWork(consumer, topic, onData));
            return;
          }
          const stream = await consumer.consume({ topics: [topic], mode: 'earliest' });
          stream.on('data', (message: { value: Buffer | undefined }) => {
            if (message.value !== undefined) onData(decode(message.value));
          });
        },
        close: async () => {
          await Promise.allSettled(stops.map((stop) => stop()));
          await Promise.allSettled(consumers.map((c) => c.close(true)));
        },
      };
    },
  };
}
