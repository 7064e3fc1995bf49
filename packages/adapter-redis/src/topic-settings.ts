import { randomUUID } from 'node:crypto';
import { EventBusError, type TopicSpec } from '@switchyard/core';
import type { Redis } from 'ioredis';
import { toEventBusError } from './map-error.ts';
import type { ResolvedRedisOptions } from './options.ts';

/** How a topic's stream is trimmed on every XADD. */
export interface TrimSettings {
  /** `MAXLEN ~` bound; -1 for none. */
  readonly maxMessages: number;
  /** `MINID ~ <now − maxAgeMs>` bound; 0 for none. */
  readonly maxAgeMs: number;
}

/** How long a publisher trusts what it read of a topic's settings before it reads them again. */
const REFRESH_MS = 30_000;
/** Ignored settings already warned about: a fleet of topics with `partitions: 4` warns once, not per topic. */
const warned = new Set<string>();

/**
 * Topic settings kept in Redis beside the stream, in a hash `<stream key>:switchyard`
 * (`maxMessages`, `maxAgeMs`), so every publisher of a topic trims it alike. `ensureTopic` writes
 * it; publishers read it on first use and again every 30 s; a topic without it is trimmed by
 * `topicDefaults`. (`:` cannot occur in a topic name, so the hash never collides with a stream.)
 */
export class TopicSettings {
  readonly #options: ResolvedRedisOptions;
  readonly #client: () => Redis;
  readonly #known = new Map<string, { settings: TrimSettings; readAt: number }>();
  readonly #reading = new Map<string, Promise<TrimSettings>>();

  constructor(options: ResolvedRedisOptions, client: () => Redis) {
    this.#options = options;
    this.#client = client;
  }

  streamKey(topic: string): string {
    return `${this.#options.streamPrefix}${topic}`;
  }

  settingsKey(topic: string): string {
    return `${this.streamKey(topic)}:switchyard`;
  }

  /** The settings known now (reading them again in the background when stale), or undefined before the first read. */
  known(topic: string): TrimSettings | undefined {
    const entry = this.#known.get(topic);
    if (entry === undefined) return undefined;
    if (performance.now() - entry.readAt > REFRESH_MS) void this.read(topic).catch(() => undefined);
    return entry.settings;
  }

  /** Reads a topic's settings from Redis (one read at a time per topic). */
  read(topic: string): Promise<TrimSettings> {
    let reading = this.#reading.get(topic);
    if (reading === undefined) {
      reading = this.#client()
        .hgetall(this.settingsKey(topic))
        .then((stored) => {
          const settings = this.#fromHash(stored);
          this.#known.set(topic, { settings, readAt: performance.now() });
          return settings;
        })
        .finally(() => this.#reading.delete(topic));
      this.#reading.set(topic, reading);
    }
    return reading;
  }

  async ensureTopic(spec: TopicSpec): Promise<void> {
    if (spec.strategy === 'skip') return;
    this.#warnIgnored(spec);
    const wanted = this.#wanted(spec);
    const client = this.#client();
    const key = this.streamKey(spec.name);
    try {
      const [type, stored] = await Promise.all([
        client.type(key),
        client.hgetall(this.settingsKey(spec.name)),
      ]);
      if (type !== 'none' && type !== 'stream') {
        throw new EventBusError(
          'TOPIC_MISMATCH',
          `Topic ${spec.name}: key ${key} holds a ${type}, not a stream. Choose another topic or set streamPrefix.`,
          { details: { topic: spec.name, key, type } },
        );
      }
      const hasSettings = Object.keys(stored).length > 0;
      switch (spec.strategy) {
        case 'create-only':
          if (!hasSettings) await this.#write(spec.name, wanted);
          if (type === 'none') await createEmptyStream(client, key);
          this.#remember(spec.name, hasSettings ? this.#fromHash(stored) : wanted);
          break;
        case 'create-or-update':
          await this.#write(spec.name, wanted);
          if (type === 'none') await createEmptyStream(client, key);
          this.#remember(spec.name, wanted);
          break;
        case 'validate-only':
          this.#validate(spec.name, type, this.#fromHash(stored), wanted);
          this.#remember(spec.name, this.#fromHash(stored));
          break;
        default:
          throw new EventBusError(
            'INVALID_CONFIG',
            `Unknown topic strategy ${JSON.stringify(spec.strategy)}.`,
          );
      }
    } catch (error) {
      throw toEventBusError(error, { operation: 'topic-admin', topic: spec.name });
    }
  }

  #wanted(spec: TopicSpec): TrimSettings {
    const defaults = this.#options.topicDefaults;
    const maxMessages = spec.maxMessages ?? defaults.maxMessages;
    const maxAgeMs = spec.retentionMs ?? defaults.maxAgeMs;
    return { maxMessages: maxMessages > 0 ? maxMessages : -1, maxAgeMs: Math.max(maxAgeMs, 0) };
  }

  #fromHash(stored: Record<string, string>): TrimSettings {
    const defaults = this.#options.topicDefaults;
    const maxMessages = stored.maxMessages === undefined ? defaults.maxMessages : Number(stored.maxMessages);
    const maxAgeMs = stored.maxAgeMs === undefined ? defaults.maxAgeMs : Number(stored.maxAgeMs);
    return {
      maxMessages: Number.isFinite(maxMessages) && maxMessages > 0 ? maxMessages : -1,
      maxAgeMs: Number.isFinite(maxAgeMs) && maxAgeMs > 0 ? maxAgeMs : 0,
    };
  }

  async #write(topic: string, settings: TrimSettings): Promise<void> {
    await this.#client().hset(this.settingsKey(topic), {
      maxMessages: String(settings.maxMessages),
      maxAgeMs: String(settings.maxAgeMs),
    });
  }

  #remember(topic: string, settings: TrimSettings): void {
    this.#known.set(topic, { settings, readAt: performance.now() });
  }

  #validate(topic: string, type: string, stored: TrimSettings, wanted: TrimSettings): void {
    if (type === 'none') {
      throw new EventBusError(
        'TOPIC_NOT_FOUND',
        `Topic ${topic}: stream ${this.streamKey(topic)} does not exist (strategy validate-only).`,
        { details: { topic } },
      );
    }
    // As Kafka's adapter words it: stored ≠ wanted, and what to do. -1 and 0 mean "no limit".
    const limit = (value: number) => (value > 0 ? String(value) : 'unlimited');
    const differences: string[] = [];
    if (stored.maxMessages !== wanted.maxMessages)
      differences.push(`maxMessages ${limit(stored.maxMessages)} ≠ ${limit(wanted.maxMessages)}`);
    if (stored.maxAgeMs !== wanted.maxAgeMs)
      differences.push(`retentionMs ${limit(stored.maxAgeMs)} ≠ ${limit(wanted.maxAgeMs)}`);
    if (differences.length > 0) {
      throw new EventBusError(
        'TOPIC_MISMATCH',
        `Redis topic ${JSON.stringify(topic)} differs from its spec: ${differences.join('; ')}. Strategy validate-only changes nothing; create-or-update writes the spec's settings.`,
        { details: { topic, differences } },
      );
    }
  }

  #warnIgnored(spec: TopicSpec): void {
    const ignored: string[] = [];
    if (spec.partitions !== undefined && spec.partitions > 1)
      ignored.push('partitions (a stream is not partitioned)');
    if (spec.replicationFactor !== undefined && spec.replicationFactor > 1)
      ignored.push("replicationFactor (replication is the server's setup)");
    if (spec.retentionBytes !== undefined && spec.retentionBytes > 0)
      ignored.push('retentionBytes (streams trim by count or age only)');
    if (spec.cleanupPolicy === 'compact') ignored.push('cleanupPolicy compact (streams are not compacted)');
    if (spec.compression !== undefined && spec.compression !== 'none' && spec.compression !== 'producer')
      ignored.push('compression');
    if (spec.durability === 'ephemeral')
      ignored.push("durability ephemeral (a stream follows the server's persistence)");
    for (const name of Object.keys(spec.extra ?? {})) ignored.push(`extra.${name}`);
    const unwarned = ignored.filter((item) => !warned.has(item));
    if (unwarned.length === 0) return;
    for (const item of unwarned) warned.add(item);
    this.#options.logger.warn(`topic ${spec.name}: ignoring ${unwarned.join('; ')} (said once per process)`);
  }
}

/** An empty stream: created with a throw-away group (XGROUP CREATE … MKSTREAM), which adds no entry. */
async function createEmptyStream(client: Redis, key: string): Promise<void> {
  const group = `switchyard-ensure-${randomUUID()}`;
  await client.multi().xgroup('CREATE', key, group, '$', 'MKSTREAM').xgroup('DESTROY', key, group).exec();
}
