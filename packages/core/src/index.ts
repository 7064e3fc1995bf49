/**
 * The broker-agnostic event bus: `createEventBus`, typed events (`defineEvent`), codecs, errors,
 * the in-memory transport, and the `Transport` port that adapters implement.
 *
 * @packageDocumentation
 * @module @switchyard/core
 */
// The public surface of @switchyard/core. Everything not listed here is internal.
export { bytesCodec, type Codec, jsonCodec } from './codec.ts';
export { type DeadLetterReason, DLQ_HEADERS } from './consume/dead-letter.ts';
export { DEFAULT_RETRY, type RetryOptions, resolveRetryPolicy, retryDelay } from './consume/retry-policy.ts';
export { defineEvent, type EventDefinition } from './define-event.ts';
export { definedFields } from './defined-fields.ts';
export type { EventDraft, EventEnvelope, EventOptions } from './envelope.ts';
export {
  configError,
  ERROR_CODES,
  type ErrorCode,
  EventBusError,
  type EventBusErrorOptions,
  isEventBusError,
  toEventBusError,
} from './errors.ts';
export { createEventBus } from './event-bus.ts';
export { MemoryBroker } from './memory/memory-broker.ts';
export { type MemoryTransportOptions, memoryTransport } from './memory/memory-transport.ts';
export type { ConsumeMiddleware, HandleFn, PublishFn, PublishMiddleware } from './middleware.ts';
export {
  checkAtLeast,
  checkPositive,
  checkWholeAtLeast,
  parseEnvValue,
  rejectOption,
  restateForEnv,
} from './option-checks.ts';
export {
  DEFAULT_BUS_OPTIONS,
  type ErrorReport,
  type EventBusOptions,
  type TracingOptions,
} from './options.ts';
export { KeyedScheduler, type KeyedSchedulerOptions } from './scheduler/keyed-scheduler.ts';
export { validateTopicName } from './topic-name.ts';
export type {
  ConnectionState,
  ConsumeRequest,
  ConsumerHandle,
  ConsumerLag,
  InboundMessage,
  OutboundMessage,
  SendOutcome,
  TopicSpec,
  TopicStrategy,
  Transport,
  TransportCapabilities,
  TransportHealth,
  TransportReceipt,
} from './transport.ts';
export { ConnectBackoff, type ConnectBackoffOptions } from './transport-support/connect-backoff.ts';
export {
  createLog,
  LOG_LEVELS,
  type Log,
  type Logger,
  type LogLevel,
  redactSecrets,
} from './transport-support/logger.ts';
export { type TlsOptions, type TlsSetting, tlsConnectionOptions } from './transport-support/tls.ts';
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
export { fromWire, toWire, type WireForm } from './wire.ts';
