import { KAFKA_PRESETS } from '@switchyard/adapter-kafka/presets';
import type { SubjectConfig } from './types.ts';

export type Preset = 'durable' | 'throughput' | 'latency';
export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface KafkaSettings {
  readonly preset: Preset;
  readonly acks: 'all' | 'leader' | 'none';
  readonly idempotent: boolean;
  readonly compression: Compression;
  readonly lingerMs: number;
  readonly batchMaxMessages: number;
  readonly batchMaxBytes: number;
  readonly minBytes: number;
  readonly maxWaitTimeMs: number;
}

/**
 * The adapter's own preset table (`@switchyard/adapter-kafka/presets` loads neither kafkajs nor
 * the adapter's kafkajs patches, so a raw worker stays raw), flattened to one record per preset:
 * the raw peers run with exactly Switchyard's acks, idempotence, compression and batch size.
 */
export const PRESETS: Record<Preset, Omit<KafkaSettings, 'preset'>> = flatten(KAFKA_PRESETS);

function flatten(table: typeof KAFKA_PRESETS): Record<Preset, Omit<KafkaSettings, 'preset'>> {
  const out: Record<string, unknown> = {};
  for (const [name, { producer, consumer }] of Object.entries(table)) {
    const p = producer as Record<string, unknown>;
    const c = consumer as Record<string, unknown>;
    out[name] = {
      acks: p.acks,
      idempotent: p.idempotent ?? p.acks === 'all',
      compression: p.compression,
      lingerMs: p.lingerMs,
      batchMaxMessages: p.batchMaxMessages,
      batchMaxBytes: p.batchMaxBytes,
      minBytes: c.minBytes,
      maxWaitTimeMs: c.maxWaitTimeMs,
    };
  }
  for (const [name, settings] of Object.entries(out)) {
    const missing = Object.entries(settings as object).filter(([, v]) => v === undefined);
    if (missing.length > 0)
      throw new Error(`Kafka preset ${name} leaves ${missing.map(([k]) => k).join(', ')} unset`);
  }
  return out as Record<Preset, Omit<KafkaSettings, 'preset'>>;
}

/** The original plan's configuration: flush at 10 ms / 100 events / 100 KB, LZ4, fetch min 100 KB, 500 ms wait. */
export const PLAN_CONFIG = {
  preset: 'throughput',
  acks: 'all',
  lingerMs: 10,
  batchMaxMessages: 100,
  batchMaxBytes: 102_400,
  compression: 'lz4',
  minBytes: 102_400,
  maxWaitTimeMs: 500,
} as const;

const FIELDS = [
  'acks',
  'compression',
  'lingerMs',
  'batchMaxMessages',
  'batchMaxBytes',
  'minBytes',
  'maxWaitTimeMs',
];

/**
 * How a run's topic is replicated: `replicationFactor` and `minInsyncReplicas` in a config (the
 * replicated-cluster rows of kafka-tuning set them; `BENCH_KAFKA` can for `run.ts`); default one
 * replica, as on the single loopback broker.
 */
export interface TopicReplication {
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number | undefined;
}

export function topicReplication(config: SubjectConfig): TopicReplication {
  return {
    replicationFactor: Number(config.replicationFactor ?? 1),
    minInsyncReplicas: config.minInsyncReplicas === undefined ? undefined : Number(config.minInsyncReplicas),
  };
}

/** The preset named in `config` (default `durable`) with the fields `config` overrides. */
export function resolveSettings(
  config: SubjectConfig,
  presets: Record<Preset, Omit<KafkaSettings, 'preset'>> = PRESETS,
): KafkaSettings {
  const preset = (config.preset ?? 'durable') as Preset;
  const base = presets[preset];
  if (base === undefined) throw new Error(`unknown Kafka preset ${String(config.preset)}`);
  const settings: Record<string, unknown> = { preset, ...base };
  for (const f of FIELDS) if (config[f] !== undefined) settings[f] = config[f];
  if (config.idempotent !== undefined) settings.idempotent = config.idempotent;
  else if (settings.acks !== 'all') settings.idempotent = false;
  return settings as unknown as KafkaSettings;
}

/** Producer/consumer overrides for `kafka(options)`: only what the config sets beyond the preset. */
export function adapterOverrides(config: SubjectConfig): {
  producer: Record<string, unknown>;
  consumer: Record<string, unknown>;
} {
  const producer: Record<string, unknown> = {};
  const consumer: Record<string, unknown> = {};
  for (const f of [
    'acks',
    'compression',
    'lingerMs',
    'batchMaxMessages',
    'batchMaxBytes',
    'idempotent',
    'maxInFlightRequests',
  ]) {
    if (config[f] !== undefined) producer[f] = config[f];
  }
  if (config.acks !== undefined && config.acks !== 'all' && config.idempotent === undefined) {
    producer.idempotent = false;
  }
  for (const f of ['minBytes', 'maxWaitTimeMs', 'commitIntervalMs'])
    if (config[f] !== undefined) consumer[f] = config[f];
  return { producer, consumer };
}
