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
 * The adapter's presets (packages/adapter-kafka/src/options/presets.ts), mirrored so the raw
 * kafkajs peer runs with the same acks, idempotence, compression and batch size. When the
 * adapter exports `KAFKA_PRESETS`, that table wins (see `kafka.ts`).
 */
export const PRESETS: Record<Preset, Omit<KafkaSettings, 'preset'>> = {
  durable: {
    acks: 'all',
    idempotent: true,
    compression: 'lz4',
    lingerMs: 0,
    batchMaxMessages: 1000,
    batchMaxBytes: 131_072,
    minBytes: 1,
    maxWaitTimeMs: 500,
  },
  throughput: {
    acks: 'leader',
    idempotent: false,
    compression: 'lz4',
    lingerMs: 10,
    batchMaxMessages: 2000,
    batchMaxBytes: 524_288,
    minBytes: 102_400,
    maxWaitTimeMs: 500,
  },
  latency: {
    acks: 'all',
    idempotent: true,
    compression: 'none',
    lingerMs: 0,
    batchMaxMessages: 1000,
    batchMaxBytes: 65_536,
    minBytes: 1,
    maxWaitTimeMs: 100,
  },
};

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
  for (const f of ['acks', 'compression', 'lingerMs', 'batchMaxMessages', 'batchMaxBytes', 'idempotent']) {
    if (config[f] !== undefined) producer[f] = config[f];
  }
  if (config.acks !== undefined && config.acks !== 'all' && config.idempotent === undefined) {
    producer.idempotent = false;
  }
  for (const f of ['minBytes', 'maxWaitTimeMs']) if (config[f] !== undefined) consumer[f] = config[f];
  return { producer, consumer };
}
