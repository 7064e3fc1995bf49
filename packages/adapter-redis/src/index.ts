/**
 * Redis Streams transport for Switchyard on ioredis.
 *
 * @packageDocumentation
 * @module @switchyard/adapter-redis
 */
// The public surface of @switchyard/adapter-redis. Everything not listed here is internal.
export { DATA_FIELD, HEADER_PREFIX } from './entry.ts';
export { REDIS_ENV, redisOptionsFromEnv, transportFromEnv } from './from-env.ts';
// The adapter's one mapping of ioredis errors, for tools that use ioredis beside the transport (the CLI).
export { type ErrorContext as RedisErrorContext, toEventBusError as toRedisError } from './map-error.ts';
export {
  DEFAULT_REDIS_OPTIONS,
  DEFAULT_REDIS_TOPIC,
  REDIS_PRESETS,
  type RedisPreset,
  type RedisTlsOptions,
  type RedisTopicDefaults,
  type RedisTransportOptions,
  type ResolvedRedisOptions,
  resolveRedisOptions,
} from './options.ts';
export { redis } from './redis.ts';
export type { RedisTransport } from './redis-transport.ts';
