// Before kafkajs: see kafka-client.ts.
import '@switchyard/adapter-kafka/kafkajs';
import kafkajs from 'kafkajs';
import { mapLimit } from '../map-limit.ts';
import type { TopicInfo } from './backend.ts';
import { topicOffsets } from './kafka-client.ts';
import { overSurvivors } from './over-survivors.ts';

/** The CLI's admin client, which can be replaced by a fresh one. */
export interface AdminSession {
  current(): kafkajs.Admin;
  /** Disconnects the current admin and connects a new one. */
  renew(): Promise<void>;
}

const CONFIG_NAMES = ['retention.ms', 'retention.bytes', 'cleanup.policy'];

/**
 * Partitions, settings and message counts of `names`, sorted by name. Topics deleted since they
 * were listed (by a test, a bench, a retention job) are left out: kafkajs' metadata and config
 * requests fail as a whole when one topic is gone, and so does every later request of an admin
 * that once fetched a deleted topic's offsets (it keeps asking for that topic's metadata), so after
 * a failure this asks which topics remain and describes those again on a fresh admin.
 */
export function describeKafkaTopics(session: AdminSession, names: readonly string[]): Promise<TopicInfo[]> {
  return overSurvivors(names, (survivors) => describeAll(session.current(), survivors), {
    existing: async () => {
      await session.renew();
      return session.current().listTopics();
    },
  });
}

async function describeAll(admin: kafkajs.Admin, names: readonly string[]): Promise<TopicInfo[]> {
  if (names.length === 0) return [];
  const { topics } = await admin.fetchTopicMetadata({ topics: [...names] });
  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: names.map((name) => ({
      type: kafkajs.ConfigResourceTypes.TOPIC,
      name,
      configNames: CONFIG_NAMES,
    })),
  });
  const configOf = (name: string, key: string) =>
    configs.resources.find((r) => r.resourceName === name)?.configEntries.find((e) => e.configName === key)
      ?.configValue;
  const infos = await mapLimit(topics, 16, async (meta): Promise<TopicInfo | undefined> => {
    const offsets = await topicOffsets(admin, meta.name).catch(async (error: unknown) => {
      // Deleted meanwhile (kafkajs gave up retrying it): left out. Failed otherwise: the whole batch fails.
      if (!(await admin.listTopics().catch(() => [meta.name])).includes(meta.name)) return undefined;
      throw error;
    });
    if (offsets === undefined) return undefined;
    const messages = offsets.reduce((sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)), 0);
    const retention = configOf(meta.name, 'retention.ms');
    return {
      name: meta.name,
      partitions: meta.partitions.length,
      messages,
      ...(retention === undefined ? {} : { retentionMs: Number(retention) }),
      details: {
        replicationFactor: Math.max(0, ...meta.partitions.map((p) => p.replicas.length)),
        cleanupPolicy: configOf(meta.name, 'cleanup.policy') ?? 'delete',
        retentionBytes: Number(configOf(meta.name, 'retention.bytes') ?? -1),
      },
    };
  });
  return infos.filter((t) => t !== undefined).sort((a, b) => a.name.localeCompare(b.name));
}
