/**
 * For authors of transports and tools (the Kafka, NATS and Redis adapters, the CLI): the
 * `Transport` port, the wire format, and the helpers every adapter shares (option checks, logging
 * with redacted secrets, TLS settings, connect backoff, topic rules). Applications need none of it.
 *
 * @packageDocumentation
 * @module @switchyard/core/transport
 */

export { definedFields } from '../defined-fields.ts';
export { configError, toEventBusError } from '../errors.ts';
export {
  checkAtLeast,
  checkKnownKeys,
  checkPositive,
  checkWholeAtLeast,
  parseEnvValue,
  rejectOption,
  restateForEnv,
} from '../option-checks.ts';
export { checkDraftFields } from '../publish/draft-fields.ts';
export { validateTopicName } from '../topic-name.ts';
export type {
  ConnectionState,
  ConsumeRequest,
  ConsumerHandle,
  ConsumerIntake,
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
} from '../transport.ts';
export { ConnectBackoff, type ConnectBackoffOptions } from '../transport-support/connect-backoff.ts';
export {
  consoleLogger,
  createLog,
  LOG_LEVELS,
  type Log,
  leveledLogger,
  redactSecrets,
} from '../transport-support/logger.ts';
export { LoopWaker } from '../transport-support/loop-waker.ts';
export { tlsConnectionOptions } from '../transport-support/tls.ts';
export { UnansweredStops } from '../transport-support/unanswered-stops.ts';
export { warnUnknownEnv } from '../transport-support/unknown-env.ts';
export { waitAtMost } from '../transport-support/wait-at-most.ts';
export { fromWire, toWire, type WireForm } from '../wire.ts';
