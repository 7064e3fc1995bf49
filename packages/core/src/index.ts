/**
 * The broker-agnostic event bus: `createEventBus`, typed events (`defineEvent`), codecs, errors,
 * the in-memory transport, and the types an application meets. Transport authors find the port's
 * helpers in `@switchyard/core/transport`, DI in `@switchyard/core/di`.
 *
 * @packageDocumentation
 * @module @switchyard/core
 */
// The public surface of @switchyard/core. Everything not listed here is internal.
export { bytesCodec, type Codec, jsonCodec } from './codec.ts';
export { type DeadLetterReason, DLQ_HEADERS } from './consume/dead-letter.ts';
export { DEFAULT_RETRY, type RetryOptions } from './consume/retry-policy.ts';
export { defineEvent, type EventDefinition } from './define-event.ts';
export type { EventDraft, EventEnvelope, EventOptions } from './envelope.ts';
export {
  ERROR_CODES,
  type ErrorCode,
  EventBusError,
  type EventBusErrorOptions,
  isEventBusError,
} from './errors.ts';
export { createEventBus } from './event-bus.ts';
export { MemoryBroker } from './memory/memory-broker.ts';
export { type MemoryTransportOptions, memoryTransport } from './memory/memory-transport.ts';
export type { ConsumeMiddleware, HandleFn, PublishFn, PublishMiddleware } from './middleware.ts';
export {
  DEFAULT_BUS_OPTIONS,
  type ErrorReport,
  type EventBusOptions,
  type TracingOptions,
} from './options.ts';
// The port's types: an application passes a `Transport` and reads `TransportCapabilities` and health.
export type {
  ConnectionState,
  ConsumerLag,
  TopicSpec,
  TopicStrategy,
  Transport,
  TransportCapabilities,
  TransportHealth,
} from './transport.ts';
export type { Logger, LogLevel } from './transport-support/logger.ts';
export type { TlsOptions, TlsSetting } from './transport-support/tls.ts';
export type {
  BatchContext,
  BatchHandler,
  BatchOptions,
  BusHealth,
  EventBus,
  EventHandler,
  HandlerContext,
  PublishReceipt,
  SubscribeBatchOptions,
  SubscribeOptions,
  Subscription,
  SubscriptionHealth,
} from './types.ts';
