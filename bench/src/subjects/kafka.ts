import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { zstdCompress, zstdDecompress } from 'node:zlib';
import type kafkajsTypes from 'kafkajs';
import type { BenchData } from '../payload.ts';
import { ceHeaders } from './ce-headers.ts';
import { emitInChunks, publishInChunks } from './chunked-publish.ts';
import {
  adapterOverrides,
  type KafkaSettings,
  PRESETS,
  resolveSettings,
  type TopicReplication,
  topicReplication,
} from './kafka-settings.ts';
import { PLATFORMATIC_VARIANTS, platformaticInfo } from './platformatic-variants.ts';
import { ceEvent, KeyedQueue, SAME_WORK_CONCURRENCY } from './same-work.ts';
import { benchBus, busConsumer, decode, encode, openBusProducer } from './switchyard-client.ts';
import type { MissingSubject, Outgoing, Subject, SubjectConfig, TransportModule } from './types.ts';

const require = createRequire(import.meta.url);

type KafkajsLib = typeof kafkajsTypes;
let lib: KafkajsLib | undefined;
/**
 * kafkajs is loaded on first use, never at import: the Switchyard worker on the kafkajs driver must
 * load @switchyard/adapter-kafka/kafkajs first (the driver's encoder goes in before kafkajs runs; the
 * driver itself loads kafkajs only on connect, after this worker's admin has made the topic), and the
 * raw kafkajs workers must never load the adapter, so they measure pristine kafkajs.
 */
async function kafkajsLib(): Promise<KafkajsLib> {
  lib ??= (await import('kafkajs')).default;
  return lib;
}

const brokers = (env: Record<string, string>) => (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

async function client(env: Record<string, string>, clientId: string) {
  const { Kafka, logLevel } = await kafkajsLib();
  return new Kafka({
    clientId,
    brokers: brokers(env),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
  });
}

let codecsRegistered = false;
/** kafkajs ships gzip only; the same no-build codecs the adapter uses (LZ4 N-API prebuilt, pure-JS snappy, node:zlib zstd). */
function registerCodecs({ CompressionCodecs, CompressionTypes }: KafkajsLib): void {
  if (codecsRegistered) return;
  const LZ4Codec = require('@2l/kafkajs-lz4') as new () => { codec: unknown };
  const compress = promisify(zstdCompress);
  const decompress = promisify(zstdDecompress);
  const codecs = CompressionCodecs as unknown as Record<number, unknown>;
  codecs[CompressionTypes.LZ4] = new LZ4Codec().codec;
  codecs[CompressionTypes.Snappy] = require('kafkajs-snappy');
  codecs[CompressionTypes.ZSTD] = () => ({
    compress: (encoder: { buffer: Buffer }) => compress(encoder.buffer),
    decompress: (buffer: Buffer) => decompress(buffer),
  });
  codecsRegistered = true;
}

const compressionType = ({ CompressionTypes }: KafkajsLib, name: KafkaSettings['compression']) =>
  ({
    none: CompressionTypes.None,
    gzip: CompressionTypes.GZIP,
    snappy: CompressionTypes.Snappy,
    lz4: CompressionTypes.LZ4,
    zstd: CompressionTypes.ZSTD,
  })[name];
const ACKS = { all: -1, leader: 1, none: 0 } as const;

const settingsOf = (config: SubjectConfig): KafkaSettings => resolveSettings(config, PRESETS);

/**
 * Raw kafkajs 2.2.4 in its documented best form: `sendBatch` with the same batch size, acks,
 * idempotence and compression as Switchyard's settings; `eachBatch` on the consumer side.
 * kafkajs has no linger: an open-loop `send` is one request per message, as a plain user gets.
 */
/** Raw minimal: `eachBatch` decoding the data, offsets resolved and committed by kafkajs per batch. */
const raw = rawKafkajs({ id: 'kafkajs', label: 'raw kafkajs (minimal)', headers: false });
/** Raw kafkajs sending the CloudEvents headers Switchyard sends: isolates what headers cost in kafkajs. */
const rawWithHeaders = rawKafkajs({ id: 'kafkajs+ce', label: 'raw kafkajs + CE headers', headers: true });
/**
 * Raw kafkajs doing a Switchyard subscription's work (consume only): the CloudEvents headers read,
 * the JSON data decoded, events of one key handled one at a time with up to 64 keys at once across
 * the partitions (`partitionsConsumedConcurrently`), and only offsets handled contiguously resolved
 * (`eachBatchAutoResolve: false` + `resolveOffset`), which kafkajs then commits.
 */
const rawSameWork = rawKafkajs({
  id: 'kafkajs+same',
  label: 'raw kafkajs, same work (CE headers read, keyed, contiguous commits)',
  headers: true,
  sameWork: true,
});

function rawKafkajs(variant: { id: string; label: string; headers: boolean; sameWork?: boolean }): Subject {
  return {
    ...(variant.headers ? { extra: true } : {}),
    ...(variant.sameWork === true ? { consumeOnly: true } : {}),
    id: variant.id,
    label: variant.label,
    kind: 'raw',
    prepareTopic: (topic, config, env, options) =>
      createTopic(topic, env, options.partitions, topicReplication(config)),
    async producer(config, env) {
      const k = await kafkajsLib();
      registerCodecs(k);
      const s = settingsOf(config);
      const producer = (await client(env, 'bench-raw')).producer({
        idempotent: s.idempotent,
        maxInFlightRequests: s.idempotent ? 1 : 5,
        allowAutoTopicCreation: false,
      });
      await producer.connect();
      const acks = ACKS[s.acks];
      const compression = compressionType(k, s.compression);
      const toMessage = variant.headers
        ? (m: Outgoing) => ({ key: m.key, value: encode(m), headers: ceHeaders() })
        : (m: Outgoing) => ({ key: m.key, value: encode(m) });
      const sendChunk = (topic: string, from: number, to: number, make: (i: number) => Outgoing) => {
        const messages = new Array(to - from);
        for (let i = from; i < to; i++) messages[i - from] = toMessage(make(i));
        return producer.sendBatch({ topicMessages: [{ topic, messages }], acks, compression });
      };
      return {
        async publish(topic, m) {
          await producer.send({ topic, messages: [toMessage(m)], acks, compression });
        },
        publishMany: (topic, count, make, inFlight) =>
          publishInChunks(count, s.batchMaxMessages, inFlight, (from, to) =>
            sendChunk(topic, from, to, make),
          ),
        publishBatches: (topic, count, make, inFlight) =>
          publishInChunks(count, inFlight, inFlight, (from, to) => sendChunk(topic, from, to, make)),
        emitMany: (topic, count, make) =>
          emitInChunks(count, s.batchMaxMessages, (from, to) => sendChunk(topic, from, to, make)),
        send(topic, m, onError) {
          producer.send({ topic, messages: [toMessage(m)], acks, compression }).catch(onError);
        },
        close: () => producer.disconnect(),
      };
    },
    async consumer(config, env) {
      registerCodecs(await kafkajsLib());
      const s = settingsOf(config);
      const kafka = await client(env, 'bench-raw');
      const consumerOf = (group: string) =>
        kafka.consumer({
          groupId: group,
          minBytes: s.minBytes,
          maxWaitTimeInMs: s.maxWaitTimeMs,
          sessionTimeout: 10_000,
          heartbeatInterval: 1_000,
        });
      const consumers: Array<ReturnType<typeof consumerOf>> = [];
      return {
        async subscribe(topic, group, onData) {
          const consumer = consumerOf(group);
          consumers.push(consumer);
          const joined = new Promise<void>((resolve) =>
            consumer.on(consumer.events.GROUP_JOIN, () => resolve()),
          );
          await consumer.connect();
          await consumer.subscribe({ topics: [topic], fromBeginning: true });
          if (variant.sameWork === true) await consumer.run(sameWorkRun(onData));
          else
            await consumer.run({
              eachBatchAutoResolve: true,
              eachBatch: async ({ batch }) => {
                for (const m of batch.messages) if (m.value !== null) onData(decode(m.value) as BenchData);
              },
            });
          await bounded(joined, 30_000, `kafkajs consumer did not join group ${group}`);
        },
        close: async () => {
          await Promise.allSettled(consumers.map((c) => c.disconnect()));
        },
      };
    },
  };
}

type RunConfig = Parameters<kafkajsTypes.Consumer['run']>[0] & {};
type Headers = kafkajsTypes.KafkaMessage['headers'];

function headerOf(headers: Headers, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first?.toString();
}

/** The `kafkajs+same` consumer: keyed handling across partitions, contiguous offsets resolved. */
function sameWorkRun(onData: (data: BenchData) => void): RunConfig {
  const keyed = new KeyedQueue(SAME_WORK_CONCURRENCY);
  return {
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      const messages = batch.messages;
      const handled = new Uint8Array(messages.length);
      let next = 0;
      await new Promise<void>((resolve) => {
        if (messages.length === 0) resolve();
        messages.forEach((m, i) => {
          const event = ceEvent(
            (name) => headerOf(m.headers, name),
            'ce_',
            () => decode(m.value!),
            m.key?.toString(),
          );
          keyed.submit(
            event.key,
            () => onData(event.data),
            () => {
              handled[i] = 1;
              if (i !== next) return;
              while (next < messages.length && handled[next] === 1) next++;
              resolveOffset(messages[next - 1]!.offset);
              if (next === messages.length) resolve();
            },
          );
        });
      });
      await heartbeat();
    },
  };
}

/** Switchyard on each of its Kafka drivers: kafkajs (the default) and @platformatic/kafka. */
const DRIVER_SUBJECTS = {
  switchyard: { driver: 'kafkajs', label: 'Switchyard (kafka)' },
  'switchyard-platformatic': { driver: 'platformatic', label: 'Switchyard (kafka, platformatic driver)' },
} as const;

async function switchyardSubject(id: keyof typeof DRIVER_SUBJECTS = 'switchyard'): Promise<Subject> {
  const adapter = (await import('@switchyard/adapter-kafka')) as Record<string, unknown>;
  const kafka = adapter.kafka as ((options: unknown) => import('@switchyard/core').Transport) | undefined;
  if (typeof kafka !== 'function')
    throw new Error('@switchyard/adapter-kafka exports no kafka() factory yet');
  const { driver, label } = DRIVER_SUBJECTS[id];
  // As an application that uses kafkajs itself (here: the topic admin) beside the kafkajs driver.
  if (driver === 'kafkajs') await import('@switchyard/adapter-kafka/kafkajs');
  const transport = (config: SubjectConfig, env: Record<string, string>) =>
    kafka({
      brokers: brokers(env),
      driver,
      preset: config.preset ?? 'durable',
      ...adapterOverrides(config),
      // `"retryTopics": false` (BENCH_KAFKA, PROBE_CONFIG): a consumer without retry topics (a probe's knob).
      ...(config.retryTopics === false ? { retryTopics: { enabled: false } } : {}),
    });
  return {
    id,
    label,
    kind: 'switchyard',
    prepareTopic: (topic, config, env, options) =>
      createTopic(topic, env, options.partitions, topicReplication(config)),
    producer: (config, env) => openBusProducer(transport(config, env), config),
    consumer: async (config, env) =>
      busConsumer(benchBus(transport(config, env), config), Number(config.concurrency ?? 64)),
  };
}

export async function createTopic(
  topic: string,
  env: Record<string, string>,
  partitions: number,
  replication: TopicReplication = { replicationFactor: 1, minInsyncReplicas: undefined },
): Promise<void> {
  const { replicationFactor, minInsyncReplicas } = replication;
  const configEntries =
    minInsyncReplicas === undefined
      ? []
      : [{ name: 'min.insync.replicas', value: String(minInsyncReplicas) }];
  const admin = (await client(env, 'bench-admin')).admin();
  await admin.connect();
  try {
    // Right after creation the broker may still answer UNKNOWN_TOPIC_OR_PARTITION ("does not host
    // this topic-partition") to the leader check: retry a few times (createTopics is idempotent).
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.createTopics({
          topics: [{ topic, numPartitions: partitions, replicationFactor, configEntries }],
          waitForLeaders: true,
        });
        return;
      } catch (error) {
        if (attempt >= 4) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/** Deletes the topics whose names contain `marker` on `env`'s brokers; best effort, never throws. */
async function deleteTopics(env: Record<string, string>, marker: string): Promise<number> {
  try {
    // The bench parent's own client, never a raw kafkajs worker's: with the adapter's kafkajs fixes
    // (else kafkajs 2.2.4 prints Node's TimeoutNegativeWarning into the bench log).
    (await import('@switchyard/adapter-kafka')).patchKafkajs();
    const admin = (await client(env, 'bench-cleanup')).admin();
    await admin.connect();
    try {
      const topics = (await admin.listTopics()).filter((t) => t.includes(marker));
      for (let i = 0; i < topics.length; i += 50) {
        await admin.deleteTopics({ topics: topics.slice(i, i + 50), timeout: 30_000 });
      }
      return topics.length;
    } finally {
      await admin.disconnect();
    }
  } catch {
    return 0;
  }
}

function bounded<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export const kafkaModule: TransportModule = {
  transport: 'kafka',
  async probe(env) {
    const admin = (await client(env, 'bench-probe')).admin({ retry: { retries: 1 } });
    try {
      await bounded(admin.connect(), 8_000, 'connect');
      const cluster = await bounded(admin.describeCluster(), 8_000, 'describeCluster');
      return {
        ok: true,
        version: kafkaVersion(env),
        details: { brokers: cluster.brokers.length, controller: cluster.controller, bootstrap: brokers(env) },
      };
    } catch (error) {
      return {
        ok: false,
        reason: `Kafka not reachable at ${brokers(env).join(',')} (${error instanceof Error ? error.message : String(error)}); run infra/up kafka`,
      };
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  },
  async cleanup(env, marker) {
    // The replicated-cluster rows of kafka-tuning create their topics on the 3-node cluster.
    const cluster = env.KAFKA_CLUSTER_BROKERS;
    return (
      (await deleteTopics(env, marker)) +
      (cluster === undefined ? 0 : await deleteTopics({ ...env, KAFKA_BROKERS: cluster }, marker))
    );
  },
  /** In a worker: load only the subject it runs (see `kafkajsLib` for why the order matters). */
  async load(id) {
    if (id === 'switchyard' || id === 'switchyard-platformatic') return switchyardSubject(id);
    if (id === raw.id) return raw;
    if (id === rawWithHeaders.id) return rawWithHeaders;
    if (id === rawSameWork.id) return rawSameWork;
    const variant = PLATFORMATIC_VARIANTS.find((v) => v.id === id);
    if (variant !== undefined) {
      const { platformaticSubject } = await import('./kafka-platformatic.ts');
      return platformaticSubject(brokers, createTopic, () => PRESETS, variant);
    }
    throw new Error(`unknown kafka subject ${id}`);
  },
  async subjects() {
    const missing: MissingSubject[] = [];
    const available: Subject[] = [raw, rawWithHeaders, rawSameWork];
    try {
      const { platformaticSubject } = await import('./kafka-platformatic.ts');
      for (const v of PLATFORMATIC_VARIANTS)
        available.push(platformaticSubject(brokers, createTopic, () => PRESETS, v));
    } catch (error) {
      const reason = `@platformatic/kafka does not load: ${String(error)}`;
      for (const v of PLATFORMATIC_VARIANTS) missing.push({ ...platformaticInfo(v), reason });
    }
    for (const id of ['switchyard-platformatic', 'switchyard'] as const) {
      try {
        available.unshift(await switchyardSubject(id));
      } catch (error) {
        missing.push({
          id,
          label: DRIVER_SUBJECTS[id].label,
          kind: 'switchyard',
          reason: `@switchyard/adapter-kafka not usable yet: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
        });
      }
    }
    return { available, missing };
  },
};

/** The broker version from the jar names in KAFKA_JARS_DIR (kafka_2.13-X.Y.Z.jar), when known. */
function kafkaVersion(env: Record<string, string>): string {
  const dir = env.KAFKA_JARS_DIR;
  if (dir === undefined) return 'Apache Kafka (version unknown: KAFKA_JARS_DIR not set)';
  try {
    const { readdirSync } = require('node:fs') as typeof import('node:fs');
    const jar = readdirSync(dir).find((f) => /^kafka_2\.1\d-[\d.]+\.jar$/.test(f));
    return jar === undefined
      ? `Apache Kafka (jars in ${dir})`
      : `Apache Kafka ${jar.replace(/^kafka_2\.1\d-|\.jar$/g, '')}`;
  } catch {
    return `Apache Kafka (jars in ${dir})`;
  }
}
