import { type JetStreamManager, jetstream, jetstreamManager, type StreamInfo } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import {
  natsOptionsFromEnv,
  nats as natsTransport,
  resolveNatsOptions,
  toNatsError,
} from '@switchyard/adapter-nats';
import type { Logger } from '@switchyard/core';
import type { Backend, GroupLag, TopicInfo } from './backend.ts';
import { natsConnectionOptions } from './nats-client.ts';
import { readNatsTopic } from './nats-reader.ts';

type Env = Readonly<Record<string, string | undefined>>;
type Operation = 'connect' | 'consume' | 'topic-admin' | 'lag';

const STREAM_NOT_FOUND = 10059;
const nsToMs = (ns: number) => Math.round(ns / 1e6);

/** NATS JetStream through nats.js: the adapter's connection settings; streams are the topics. */
export function natsBackend(env: Env, logger: Logger): Backend {
  const fromEnv = natsOptionsFromEnv(env);
  const options = resolveNatsOptions(fromEnv);
  const servers = options.servers.map((s) => s.replace(/\/\/[^@/]*@/, '//')).join(',');
  let connected: Promise<{ nc: NatsConnection; jsm: JetStreamManager }> | undefined;
  const fail = (operation: Operation, topic?: string) => (error: unknown) => {
    throw toNatsError(error, { operation, servers, ...(topic === undefined ? {} : { topic }) });
  };
  const ready = () => {
    connected ??= (async () => {
      const nc = await connect(natsConnectionOptions(options));
      return { nc, jsm: await jetstreamManager(nc) };
    })().catch((error: unknown) => {
      connected = undefined;
      return fail('connect')(error);
    });
    return connected;
  };
  /** The stream holding `topic` (the adapter's `<topic with _>` or any stream whose subjects cover it). */
  const streamOf = async (topic: string): Promise<StreamInfo | undefined> => {
    const { jsm } = await ready();
    try {
      const name = await jsm.streams.find(topic);
      return await jsm.streams.info(name, { subjects_filter: topic });
    } catch (error) {
      if ((error as { code?: number }).code === STREAM_NOT_FOUND || /no stream matches/i.test(String(error)))
        return undefined;
      return fail('topic-admin', topic)(error);
    }
  };
  const topicInfo = (topic: string, info: StreamInfo): TopicInfo => {
    const { config, state } = info;
    const onlySubject = config.subjects.length === 1 && config.subjects[0] === topic;
    return {
      name: topic,
      partitions: 1,
      messages: onlySubject ? state.messages : (state.subjects?.[topic] ?? state.messages),
      bytes: state.bytes,
      retentionMs: config.max_age === 0 ? -1 : nsToMs(config.max_age),
      details: {
        stream: config.name,
        ...(onlySubject ? {} : { subjects: config.subjects.join(' ') }),
        storage: config.storage,
        retention: config.retention,
        replicas: config.num_replicas,
        duplicateWindow: `${nsToMs(config.duplicate_window ?? 0)}ms`,
        lastSequence: state.last_seq,
      },
    };
  };

  return {
    name: 'nats',
    headerPrefix: 'ce-',
    endpoint: servers,
    createTransport: () => natsTransport({ ...fromEnv, logger }),

    async listTopics(matches = () => true) {
      const { jsm } = await ready();
      const topics: TopicInfo[] = [];
      try {
        for await (const info of jsm.streams.list()) {
          for (const subject of info.config.subjects ?? [])
            if (matches(subject)) topics.push(topicInfo(subject, info));
        }
      } catch (error) {
        fail('topic-admin')(error);
      }
      return topics.sort((a, b) => a.name.localeCompare(b.name));
    },

    async describeTopic(topic) {
      const info = await streamOf(topic);
      return info === undefined ? undefined : topicInfo(topic, info);
    },

    async read(topic, readOptions, onRecord) {
      const { nc } = await ready();
      const info = await streamOf(topic);
      if (info === undefined) return;
      await readNatsTopic(
        jetstream(nc),
        info.config.name,
        info.state.last_seq,
        topic,
        readOptions,
        onRecord,
      ).catch(fail('consume', topic));
    },

    async lag(topic, group) {
      const { jsm } = await ready();
      const stream = await streamOf(topic);
      if (stream === undefined) return [];
      const lags: GroupLag[] = [];
      try {
        for await (const consumer of jsm.consumers.list(stream.config.name)) {
          const { config } = consumer;
          if (config.durable_name === undefined) continue; // ephemeral readers (tail, scans) are nobody's group
          const filter = config.filter_subject ?? config.filter_subjects?.[0];
          if (filter !== undefined && filter !== topic) continue;
          if (group !== undefined && !durableMatches(consumer.name, group, topic)) continue;
          const lag = consumer.num_pending + consumer.num_ack_pending;
          lags.push({
            group: consumer.name,
            topic,
            lag,
            known: true,
            ackPending: consumer.num_ack_pending,
            redelivered: consumer.num_redelivered,
            partitions: [
              {
                partition: stream.config.name,
                committed: String(consumer.ack_floor.stream_seq),
                end: String(stream.state.last_seq),
                lag,
              },
            ],
          });
        }
      } catch (error) {
        fail('lag', topic)(error);
      }
      return lags.sort((a, b) => a.group.localeCompare(b.group));
    },

    async deleteRecord(record) {
      const { jsm } = await ready();
      const stream = await streamOf(record.topic);
      if (stream === undefined || record.sequence === undefined) return;
      await jsm.streams
        .deleteMessage(stream.config.name, record.sequence, false)
        .catch(fail('topic-admin', record.topic));
    },

    async recordAt(topic, receipt) {
      const { jsm } = await ready();
      if (receipt.stream === undefined || receipt.sequence === undefined) return undefined;
      const stored = await jsm.streams
        .getMessage(receipt.stream, { seq: receipt.sequence })
        .catch(fail('consume', topic));
      if (stored === null) return undefined;
      const headers: Record<string, string> = {};
      for (const name of stored.header?.keys() ?? []) headers[name] = stored.header.get(name);
      return {
        topic,
        position: String(stored.seq),
        sequence: stored.seq,
        key: undefined,
        value: stored.data,
        headers,
        timestamp: stored.time,
      };
    },

    async describeCluster() {
      const { nc, jsm } = await ready();
      const account = await jsm.getAccountInfo().catch(fail('topic-admin'));
      return {
        server: nc.info?.server_name,
        version: nc.info?.version,
        jetstream: nc.info?.jetstream === true,
        streams: account.streams,
        consumers: account.consumers,
      };
    },

    async close() {
      const current = connected;
      connected = undefined;
      if (current !== undefined) await (await current.catch(() => undefined))?.nc.close();
    },
  };
}

/**
 * The adapter names a group's durable consumer after the group (`.` and other characters durable
 * names refuse become `_`, plus a hash), and `<group>-<topic>` on a stream that holds more subjects.
 */
function durableMatches(name: string, group: string, topic: string): boolean {
  return [group, `${group}-${topic}`].some((g) => {
    if (/^[A-Za-z0-9_-]+$/.test(g)) return name === g;
    const safe = g.replace(/[^A-Za-z0-9_-]/g, '_');
    return name.startsWith(`${safe}_`) && name.length === safe.length + 9;
  });
}
