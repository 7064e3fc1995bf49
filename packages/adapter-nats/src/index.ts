/**
 * The NATS JetStream transport: `nats(options)`, `transportFromEnv`, options and presets.
 *
 * @packageDocumentation
 * @module @switchyard/adapter-nats
 */
// The public surface of @switchyard/adapter-nats. Everything not listed here is internal.
export { NATS_ENV, natsOptionsFromEnv, transportFromEnv } from './from-env.ts';
export { nats } from './nats.ts';
export type { NatsTransport } from './nats-transport.ts';
export {
  DEFAULT_NATS_OPTIONS,
  DEFAULT_NATS_TOPIC,
  NATS_PRESETS,
  type NatsLogger,
  type NatsPreset,
  type NatsTlsOptions,
  type NatsTopicDefaults,
  type NatsTransportOptions,
  type ResolvedNatsOptions,
  resolveNatsOptions,
} from './options.ts';
