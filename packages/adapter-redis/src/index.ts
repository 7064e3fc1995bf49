// The public surface of @switchyard/adapter-redis. Everything not listed here is internal.
export { DATA_FIELD, HEADER_PREFIX } from './entry.ts';
export { REDIS_ENV, redisOptionsFromEnv, transportFromEnv } from './from-env.ts';
export {
  DEFAULT_REDIS_OPTIONS,
  DEFAULT_REDIS_TOPIC,
  REDIS_PRESETS,
  type RedisLogger,
  type RedisPreset,
  type RedisTlsOptions,
  type RedisTopicDefaults,
  type RedisTransportOptions,
  type ResolvedRedisOptions,
  resolveRedisOptions,
} from './options.ts';
export { redis } from './redis.ts';
export type { RedisTransport } from './redis-transport.ts';
