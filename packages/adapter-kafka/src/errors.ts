import { type ErrorCode, EventBusError } from '@switchyard/core';
import type { ClassifiedError, ClientError } from './driver/driver.ts';
import { classifyKafkajsError } from './driver/kafkajs/kafkajs-errors.ts';
import { classifyPlatformaticError } from './driver/platformatic/platformatic-errors.ts';
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

const AUTHENTICATION_TYPES = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'ILLEGAL_SASL_STATE',
  'UNSUPPORTED_SASL_MECHANISM',
]);
const SASL_HINT = 'Check the SASL mechanism, username and password.';
/** What a broker's SASL refusal most likely means, where it is not the credentials. */
const SASL_HINTS: Readonly<Record<string, string>> = {
  ILLEGAL_SASL_STATE:
    'The listener at this address most likely does not take SASL (a PLAINTEXT or SSL listener): use the port of its SASL listener, or leave `sasl` out.',
  UNSUPPORTED_SASL_MECHANISM:
    'The broker does not enable this SASL mechanism on this listener: use one of its `sasl.enabled.mechanisms`.',
};
const TIMEOUT_TYPES = new Set(['REQUEST_TIMED_OUT']);
const TOO_LARGE_TYPES = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD']);
const CONFIG_TYPES = new Set([
  'INVALID_CONFIG',
  'INVALID_PARTITIONS',
  'INVALID_REPLICATION_FACTOR',
  'INVALID_REPLICA_ASSIGNMENT',
  'POLICY_VIOLATION',
]);
const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i;

/**
 * The one place client errors become `EventBusError`s. Each driver's classifier finds the root cause
 * under its client's retry wrappers and says what it means (driver-neutral); this picks the closed
 * code, keeps `retriable` from the client, and scrubs secrets from the message.
 */
export function toEventBusError(error: unknown, context: ErrorContext): EventBusError {
  if (error instanceof EventBusError) return error;
  const classified = classifyClientError(error);
  const root = classified.root;
  const { code, retriable, hint } =
    closedByListener(classified, context) ?? classify(classified, context.operation);
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

const CLASSIFIERS = [classifyKafkajsError, classifyPlatformaticError];

/**
 * Commit refusals that are part of a normal rebalance, by their Kafka name (kafkajs says
 * NOT_COORDINATOR_FOR_GROUP, the protocol NOT_COORDINATOR; the last two are KIP-848's).
 */
const REBALANCE_TYPES = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'NOT_COORDINATOR',
  'NOT_COORDINATOR_FOR_GROUP',
  'COORDINATOR_NOT_AVAILABLE',
  'STALE_MEMBER_EPOCH',
  'FENCED_MEMBER_EPOCH',
]);

/** Whether a client error refuses a commit because the group is rebalancing (or this member left it), whatever the driver. */
export function isRebalanceRefusal(error: unknown): boolean {
  return REBALANCE_TYPES.has(classifyClientError(error).root.type ?? '');
}

/** The driver's reading of its client's error; any other error is taken as it is. */
function classifyClientError(error: unknown): ClassifiedError {
  for (const classifier of CLASSIFIERS) {
    const classified = classifier(error);
    if (classified !== undefined) return classified;
  }
  const root: ClientError =
    typeof error === 'object' && error !== null ? (error as ClientError) : { message: String(error) };
  return { root, kind: undefined };
}

function classify(
  { root: e, kind }: ClassifiedError,
  operation: KafkaOperation,
): { code: ErrorCode; retriable: boolean; hint?: string } {
  const type = e.type ?? '';
  const clientRetriable = e.retriable === true;
  if (kind === 'authentication' || AUTHENTICATION_TYPES.has(type)) {
    return { code: 'AUTHENTICATION_FAILED', retriable: false, hint: SASL_HINTS[type] ?? SASL_HINT };
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
  if (kind === 'connection' || kind === 'connection-closed') {
    return {
      code: 'CONNECTION_FAILED',
      retriable: true,
      hint: 'Check that the brokers are reachable at the configured addresses.',
    };
  }
  if (kind === 'timeout' || TIMEOUT_TYPES.has(type)) {
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
  if (kind === 'unsupported' || type === 'UNSUPPORTED_VERSION') {
    return {
      code: 'UNSUPPORTED',
      retriable: false,
      hint: 'The broker does not speak a protocol version the client needs.',
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
  { kind }: ClassifiedError,
  context: ErrorContext,
): { code: ErrorCode; retriable: boolean; hint: string } | undefined {
  if (kind !== 'connection-closed' || context.operation !== 'connect') return undefined;
  const security = context.security;
  if (security === undefined || (security.tls && security.sasl)) return undefined;
  const hint = security.tls
    ? 'The broker closed the connection during or after the TLS handshake: the listener probably needs SASL credentials (set `sasl`: mechanism, username, password).'
    : `The broker closed the connection as soon as it opened: the listener probably needs TLS (set \`tls\`)${security.sasl ? '' : ' and SASL credentials (`sasl`)'}.`;
  return { code: 'CONNECTION_FAILED', retriable: true, hint };
}

function describe(e: ClientError): string {
  const message = (e.message ?? 'unknown error').replace(/\.$/, '');
  return e.type !== undefined && !message.includes(e.type) ? `${message} [${e.type}]` : message;
}
