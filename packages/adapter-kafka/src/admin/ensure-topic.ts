import { EventBusError, type TopicSpec } from '@switchyard/core';
import type { KafkaDriver } from '../driver/driver.ts';
import type { TopicCreator } from './topic-creator.ts';

/** The Kafka topic configs a spec asks for (only the ones it sets). */
export function topicConfigsFor(spec: TopicSpec): Record<string, string> {
  const configs: Record<string, string> = {};
  if (spec.retentionMs !== undefined) configs['retention.ms'] = String(spec.retentionMs);
  if (spec.retentionBytes !== undefined) configs['retention.bytes'] = String(spec.retentionBytes);
  if (spec.cleanupPolicy !== undefined) configs['cleanup.policy'] = spec.cleanupPolicy;
  if (spec.compression !== undefined)
    configs['compression.type'] = spec.compression === 'none' ? 'uncompressed' : spec.compression;
  for (const [name, value] of Object.entries(spec.extra ?? {})) configs[name] = String(value);
  return configs;
}

/**
 * `create-only` creates a missing topic and leaves an existing one alone; `create-or-update` also
 * adds partitions and changes configs to match (partitions never shrink and the replication factor
 * is not changed: both are refused with TOPIC_MISMATCH); `validate-only` changes nothing and
 * throws TOPIC_NOT_FOUND or TOPIC_MISMATCH listing every difference; `skip` does nothing.
 * Kafka keeps every topic on disk, so `durability` is ignored, and it has no count-based retention,
 * so `maxMessages` is ignored too.
 */
export async function ensureTopic(
  driver: KafkaDriver,
  creator: TopicCreator,
  spec: TopicSpec,
): Promise<void> {
  if (spec.strategy === 'skip') return;
  const wanted = topicConfigsFor(spec);
  const existing = await driver.topicMetadata(spec.name);
  if (existing === undefined) {
    if (spec.strategy === 'validate-only') {
      throw new EventBusError(
        'TOPIC_NOT_FOUND',
        `Kafka topic ${JSON.stringify(spec.name)} does not exist (strategy validate-only creates nothing).`,
        {
          details: { topic: spec.name },
        },
      );
    }
    const replicationFactor = spec.replicationFactor ?? (await creator.replicationFactor());
    const configs =
      replicationFactor >= 3 && wanted['min.insync.replicas'] === undefined
        ? { 'min.insync.replicas': '2', ...wanted }
        : wanted;
    await driver.createTopic({
      topic: spec.name,
      partitions: spec.partitions ?? creator.defaultPartitions,
      replicationFactor,
      configs,
    });
    return;
  }
  if (spec.strategy === 'create-only') return;

  const partitions = existing.partitions.length;
  const replicas = Math.max(...existing.partitions.map((p) => p.replicas));
  const current = await driver.topicConfigs(spec.name);
  const differences: string[] = [];
  if (spec.partitions !== undefined && spec.partitions !== partitions)
    differences.push(`partitions ${partitions} ≠ ${spec.partitions}`);
  if (spec.replicationFactor !== undefined && spec.replicationFactor !== replicas) {
    differences.push(`replication factor ${replicas} ≠ ${spec.replicationFactor}`);
  }
  const configChanges = Object.entries(wanted).filter(([name, value]) => current[name] !== value);
  for (const [name, value] of configChanges)
    differences.push(`${name} ${current[name] ?? '(default)'} ≠ ${value}`);
  if (differences.length === 0) return;

  const refuse = (what: readonly string[], why: string) =>
    new EventBusError(
      'TOPIC_MISMATCH',
      `Kafka topic ${JSON.stringify(spec.name)} differs from its spec: ${what.join('; ')}. ${why}`,
      {
        details: { topic: spec.name, differences: what },
      },
    );
  if (spec.strategy === 'validate-only') throw refuse(differences, 'Strategy validate-only changes nothing.');
  if (spec.partitions !== undefined && spec.partitions < partitions) {
    throw refuse(
      [`partitions ${partitions} > ${spec.partitions}`],
      'Kafka cannot remove partitions; create a new topic.',
    );
  }
  if (spec.replicationFactor !== undefined && spec.replicationFactor !== replicas) {
    throw refuse(
      [`replication factor ${replicas} ≠ ${spec.replicationFactor}`],
      'Changing replicas needs a partition reassignment (kafka-reassign-partitions).',
    );
  }
  if (spec.partitions !== undefined && spec.partitions > partitions)
    await driver.addPartitions(spec.name, spec.partitions);
  if (configChanges.length > 0) await driver.setTopicConfigs(spec.name, { ...current, ...wanted });
}
