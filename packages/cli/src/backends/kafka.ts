import { kafka } from '@switchyard/adapter-kafka';
import type { Logger, Transport } from '@switchyard/core';
import type { Backend, GroupLag, OnRecord, ReadOptions } from './backend.ts';
import { kafkaClient, kafkaError, kafkaOptions, topicOffsets } from './kafka-client.ts';
import { type AdminSession, describeKafkaTopics } from './kafka-describe.ts';
import { readKafkaTopic } from './kafka-reader.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Groups the CLI makes for itself (tail, scans): never shown as an application's group. */
const OWN_GROUPS = /^switchyard-cli-/;

/** Kafka through kafkajs: the adapter's settings, its admin client for metadata and lag. */
export function kafkaBackend(env: Env, logger: Logger): Backend {
  const { given, resolved: options } = kafkaOptions(env);
  // Made now, though only publishing uses it: the transport registers kafkajs' compression codecs.
  const transport = kafka({ ...given, logger });
  const client = kafkaClient(options);
  let admin = client.admin();
  let connected: Promise<void> | undefined;
  const fail = (operation: 'connect' | 'admin' | 'lag' | 'consume', topic?: string) => (error: unknown) => {
    throw kafkaError(error, options, operation, topic);
  };
  const ready = (): Promise<void> => {
    connected ??= admin.connect().catch((error: unknown) => {
      connected = undefined;
      return fail('connect')(error);
    });
    return connected;
  };

  const session: AdminSession = {
    current: () => admin,
    async renew() {
      const old = admin;
      admin = client.admin();
      connected = undefined;
      await old.disconnect().catch(() => undefined);
      await ready();
    },
  };
  const describe = (names: readonly string[]) => describeKafkaTopics(session, names);

  /** One topic's metadata request (not the whole cluster's: brokers with thousands of topics feel that). */
  const exists = async (topic: string): Promise<boolean> => {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      return topics.some((t) => t.name === topic);
    } catch (error) {
      if ((error as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION') return false;
      throw error;
    }
  };

  return {
    name: 'kafka',
    headerPrefix: 'ce_',
    endpoint: options.brokers.join(','),
    createTransport: (): Transport => transport,

    async listTopics(matches = () => true) {
      await ready();
      const names = (await admin.listTopics().catch(fail('admin'))).filter(
        (n) => !n.startsWith('__') && matches(n),
      );
      return describe(names).catch(fail('admin'));
    },

    async describeTopic(topic) {
      await ready();
      if (!(await exists(topic).catch(fail('admin', topic)))) return undefined;
      return (await describe([topic]).catch(fail('admin', topic)))[0];
    },

    async read(topic: string, readOptions: ReadOptions, onRecord: OnRecord) {
      await ready();
      await readKafkaTopic(client, admin, topic, readOptions, onRecord).catch(fail('consume', topic));
    },

    async lag(topic, group) {
      await ready();
      const ends = await topicOffsets(admin, topic).catch(fail('lag', topic));
      const groups =
        group !== undefined
          ? [group]
          : (await admin.listGroups().catch(fail('lag'))).groups
              .map((g) => g.groupId)
              .filter((id) => !OWN_GROUPS.test(id))
              .sort();
      const lags: GroupLag[] = [];
      for (const groupId of groups) {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] }).catch(fail('lag', topic));
        const offsets = new Map((committed?.partitions ?? []).map((p) => [p.partition, p.offset]));
        const known = [...offsets.values()].some((o) => o !== '-1');
        if (group === undefined && !known) continue; // a group that does not read this topic
        const partitions = ends
          .map((end) => {
            const at = offsets.get(end.partition) ?? '-1';
            // A partition the group never committed on: everything retained is still ahead of it.
            const from = at === '-1' ? BigInt(end.low) : BigInt(at);
            return {
              partition: String(end.partition),
              committed: at === '-1' ? '-' : at,
              end: end.high,
              lag: Math.max(0, Number(BigInt(end.high) - from)),
            };
          })
          .sort((a, b) => Number(a.partition) - Number(b.partition));
        lags.push({
          group: groupId,
          topic,
          known,
          lag: partitions.reduce((s, p) => s + p.lag, 0),
          partitions,
        });
      }
      return lags;
    },

    async describeCluster() {
      await ready();
      const cluster = await admin.describeCluster().catch(fail('admin'));
      return {
        clusterId: cluster.clusterId,
        controller: cluster.controller,
        brokers: cluster.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`),
      };
    },

    async close() {
      await admin.disconnect().catch(() => undefined);
    },
  };
}
