import { type ErrorCode, EventBusError } from '@switchyard/core';
import { type Redact, redactedCause } from './redaction.ts';

export type KafkaOperation = 'connect' | 'publish' | 'consume' | 'commit' | 'admin' | 'lag';

export interface ErrorContext {
  readonly operation: KafkaOperation;
  readonly topic?: string;
  /** Replaces the secrets (the SASL password) in a message; see `redaction.ts`. */
  readonly redact?: Redact;
  /** How the transport connects, to explain a connection the broker closes at once. */
  readonly security?: { readonly tls: boolean; readonly sasl: boolean };
}

interface ClientErrorLike {
  readonly name?: string;
  readonly message?: string;
  readonly type?: string;
  readonly code?: string | number;
  readonly retriable?: boolean;
  readonly cause?: unknown;
  readonly originalError?: unknown;
  readonly errors?: readonly unknown[];
}

const AUTHENTICATION_TYPES = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'ILLEGAL_SASL_STATE',
  'UNSUPPORTED_SASL_MECHANISM',
]);
const TIMEOUT_TYPES = new Set(['REQUEST_TIMED_OUT']);
const TOO_LARGE_TYPES = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD']);
const CONFIG_TYPES = new Set([
  'INVALID_CONFIG',
  'INVALID_PARTITIONS',
  'INVALID_REPLICATION_FACTOR',
  'INVALID_REPLICA_ASSIGNMENT',
  'POLICY_VIOLATION',
]);
const CONNECTION_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSGroupCoordinatorNotFound',
]);
const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i;

/**
 * The one place kafkajs errors become `EventBusError`s. Finds the root cause under the client's
 * retry wrappers, picks the closed code, keeps `retriable` from the client, and scrubs secrets
 * from the message.
 */
export function toEventBusError(error: unknown, context: ErrorContext): EventBusError {
  if (error instanceof EventBusError) return error;
  const root = rootCause(error);
  const { code, retriable, hint } = closedByListener(root, context) ?? classify(root, context.operation);
  const where = context.topic === undefined ? '' : ` (topic ${JSON.stringify(context.topic)})`;
  const detail = describe(root);
  const text = `Kafka ${context.operation} failed${where}: ${detail}.${hint ? ` ${hint}` : ''}`;
  const message = context.redact === undefined ? text : context.redact(text);
  return new EventBusError(code, message, {
    retriable,
    cause: context.redact === undefined ? error : redactedCause(error, context.redact),
    details: {
      ...(context.topic === undefined ? {} : { topic: context.topic }),
      ...(root.type === undefined ? {} : { kafkaError: root.type }),
      ...(root.name === undefined ? {} : { clientError: root.name }),
    },
  });
}

function classify(
  e: ClientErrorLike,
  operation: KafkaOperation,
): { code: ErrorCode; retriable: boolean; hint?: string } {
  const type = e.type ?? '';
  const name = e.name ?? '';
  const clientRetriable = e.retriable === true;
  if (name === 'KafkaJSSASLAuthenticationError' || AUTHENTICATION_TYPES.has(type)) {
    return {
      code: 'AUTHENTICATION_FAILED',
      retriable: false,
      hint: 'Check the SASL mechanism, username and password.',
    };
  }
  if (type.endsWith('_AUTHORIZATION_FAILED')) {
    return {
      code: 'AUTHORIZATION_FAILED',
      retriable: false,
      hint: 'Grant the principal the ACL the operation needs.',
    };
  }
  if (typeof e.code === 'string' && TLS_CODES.test(e.code)) {
    return {
      code: 'CONNECTION_FAILED',
      retriable: false,
      hint: 'The TLS handshake failed: check `tls` (ca or caFile, servername).',
    };
  }
  if (CONNECTION_NAMES.has(name)) {
    return {
      code: 'CONNECTION_FAILED',
      retriable: true,
      hint: 'Check that the brokers are reachable at the configured addresses.',
    };
  }
  if (
    name === 'KafkaJSRequestTimeoutError' ||
    name === 'KafkaJSTimeout' ||
    name === 'KafkaJSLockTimeout' ||
    TIMEOUT_TYPES.has(type)
  ) {
    return { code: 'TIMEOUT', retriable: true };
  }
  if (TOO_LARGE_TYPES.has(type)) {
    return {
      code: 'EVENT_TOO_LARGE',
      retriable: false,
      hint: "Raise the topic's max.message.bytes or send smaller events.",
    };
  }
  if (type === 'UNKNOWN_TOPIC_OR_PARTITION') {
    return {
      code: 'TOPIC_NOT_FOUND',
      retriable: clientRetriable,
      hint: 'Create the topic (ensureTopic) or enable autoCreateTopics.',
    };
  }
  if (type === 'INVALID_TOPIC_EXCEPTION') return { code: 'INVALID_TOPIC', retriable: false };
  if (CONFIG_TYPES.has(type)) return { code: 'INVALID_CONFIG', retriable: false };
  if (name === 'KafkaJSServerDoesNotSupportApiKey' || type === 'UNSUPPORTED_VERSION') {
    return {
      code: 'UNSUPPORTED',
      retriable: false,
      hint: 'The broker does not speak a protocol version kafkajs needs.',
    };
  }
  const fallback: Record<KafkaOperation, ErrorCode> = {
    connect: 'CONNECTION_FAILED',
    publish: 'PUBLISH_FAILED',
    consume: 'INTERNAL',
    commit: 'INTERNAL',
    admin: 'INTERNAL',
    lag: 'INTERNAL',
  };
  return { code: fallback[operation], retriable: clientRetriable };
}

/**
 * A broker that closes a new connection at once (kafkajs: "Closed connection") usually has a
 * listener that wants something the client did not bring: SASL after TLS, or TLS itself.
 */
function closedByListener(
  e: ClientErrorLike,
  context: ErrorContext,
): { code: ErrorCode; retriable: boolean; hint: string } | undefined {
  if (e.name !== 'KafkaJSConnectionClosedError' || context.operation !== 'connect') return undefined;
  const security = context.security;
  if (security === undefined || (security.tls && security.sasl)) return undefined;
  const hint = security.tls
    ? 'The broker closed the connection during or after the TLS handshake: the listener probably needs SASL credentials (set `sasl`: mechanism, username, password).'
    : `The broker closed the connection as soon as it opened: the listener probably needs TLS (set \`tls\`)${security.sasl ? '' : ' and SASL credentials (`sasl`)'}.`;
  return { code: 'CONNECTION_FAILED', retriable: true, hint };
}

/** Unwraps kafkajs' "retries exceeded" and non-retriable wrappers down to the error that caused them. */
function rootCause(error: unknown): ClientErrorLike {
  let current: unknown = error;
  for (let depth = 0; depth < 8; depth++) {
    if (typeof current !== 'object' || current === null) break;
    const e = current as ClientErrorLike;
    const inner =
      e.name === 'KafkaJSNumberOfRetriesExceeded' ||
      (e.name === 'KafkaJSNonRetriableError' && e.cause !== undefined)
        ? (e.cause ?? e.originalError)
        : e.name === 'KafkaJSAggregateError' && e.errors !== undefined
          ? e.errors[0]
          : undefined;
    if (inner === undefined || inner === current) break;
    current = inner;
  }
  if (typeof current === 'object' && current !== null) return current as ClientErrorLike;
  return { message: String(current) };
}

function describe(e: ClientErrorLike): string {
  const message = (e.message ?? 'unknown error').replace(/\.$/, '');
  return e.type !== undefined && !message.includes(e.type) ? `${message} [${e.type}]` : message;
}
