/**
 * The NATS JetStream transport: `nats(options)`, `transportFromEnv`, options and presets.
 *
 * @packageDocumentation
 * @module @switchyard/adapter-nats
 */
// The public surface of @switchyard/adapter-nats. Everything not listed here is internal.
export { NATS_ENV, natsOptionsFromEnv, transportFromEnv } from './from-env.ts';
// The adapter's one mapping of nats.js errors, for tools that use nats.js beside the transport (the CLI).
export { type ErrorContext as NatsErrorContext, toEventBusError as toNatsError } from './map-error.ts';
export { nats } from './nats.ts';
export type { NatsTransport } from './nats-transport.ts';
export {
  DEFAULT_NATS_OPTIONS,
  DEFAULT_NATS_TOPIC,
  NATS_PRESETS,
  type NatsPreset,
  type NatsTlsOptions,
  type NatsTopicDefaults,
  type NatsTransportOptions,
  type ResolvedNatsOptions,
  resolveNatsOptions,
} from './options.ts';
