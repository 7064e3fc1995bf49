import { JetStreamApiError, JetStreamError } from '@nats-io/jetstream';
import { errors } from '@nats-io/nats-core';
import { type ErrorCode, EventBusError } from '@switchyard/core';

/** What the transport was doing when the error happened; it shapes the message and the code. */
export interface ErrorContext {
  readonly operation: 'connect' | 'publish' | 'consume' | 'topic-admin' | 'lag' | 'close';
  readonly topic?: string;
  /** The server URLs, already redacted. */
  readonly servers?: string;
}

// JetStream API error codes (nats-server errors.json) that mean something to a Switchyard user.
const JS = {
  streamNotFound: 10059,
  consumerNotFound: 10014,
  streamNameInUse: 10058,
  subjectOverlap: 10065,
  messageTooLarge: 10054,
  invalidStreamConfig: 10052,
  notEnabledForAccount: 10039,
  notEnabled: 10076,
  insufficientResources: 10023,
  storageExceeded: 10047,
  storeFailed: 10077,
  clusterUnavailable: 10008,
} as const;

/**
 * The one place that turns a nats.js error into an EventBusError with a closed code, a
 * `retriable` flag and a message that says what to do. Messages never carry credentials: the
 * client's own texts do not contain them and URLs are redacted before they get here.
 */
export function toEventBusError(error: unknown, context: ErrorContext): EventBusError {
  if (error instanceof EventBusError) return error;
  const where = describe(context);
  const detail = error instanceof Error ? error.message : String(error);
  const make = (code: ErrorCode, message: string, retriable: boolean) =>
    new EventBusError(code, message, { retriable, cause: error, details: detailsOf(context) });

  if (error instanceof errors.AuthorizationError || error instanceof errors.UserAuthenticationExpiredError) {
    return make(
      'AUTHENTICATION_FAILED',
      `${where}: the server rejected the credentials (${detail}). Check user/password, token or nkey.`,
      false,
    );
  }
  if (error instanceof errors.PermissionViolationError) {
    return make(
      'AUTHORIZATION_FAILED',
      `${where}: permission denied for ${error.operation} on ${error.subject}. Grant the user that subject.`,
      false,
    );
  }
  if (error instanceof errors.ClosedConnectionError || error instanceof errors.DrainingConnectionError) {
    return make('CLOSED', `${where}: the connection is closed. Create a new transport.`, false);
  }
  if (error instanceof errors.TimeoutError) {
    return context.operation === 'connect'
      ? make(
          'CONNECTION_FAILED',
          `${where}: no server answered within the connect timeout. Is it running and reachable?`,
          true,
        )
      : make(
          'TIMEOUT',
          `${where}: the server did not answer in time. The operation may still have happened; retry (the event id keeps it from doubling).`,
          true,
        );
  }
  if (error instanceof errors.RequestError && /connection disconnected/.test(error.message)) {
    return make(
      'CONNECTION_FAILED',
      `${where}: the connection to the server was lost (${detail}). Is the server running and reachable?`,
      true,
    );
  }
  if (error instanceof errors.ConnectionError) {
    return make('CONNECTION_FAILED', `${where}: ${detail}. Is the server running and reachable?`, true);
  }
  if (
    error instanceof errors.NoRespondersError ||
    (error instanceof errors.RequestError && error.isNoResponders())
  ) {
    return noResponders(context, where, error);
  }
  // nats.js exports no JetStreamNotEnabled class from its public entry; its name is stable.
  if (error instanceof Error && error.name === 'JetStreamNotEnabled')
    return noResponders(context, where, error);
  if (error instanceof errors.InvalidSubjectError) {
    return make('INVALID_TOPIC', `${where}: ${detail}.`, false);
  }
  if (error instanceof errors.InvalidArgumentError) {
    if (/max_payload/.test(detail)) {
      return make(
        'EVENT_TOO_LARGE',
        `${where}: the event is larger than the server's max_payload. Send smaller events or raise max_payload.`,
        false,
      );
    }
    if (/header/i.test(detail)) return make('INVALID_EVENT', `${where}: ${detail}.`, false);
    return make('INTERNAL', `${where}: ${detail}.`, false);
  }
  if (error instanceof JetStreamApiError) return fromApiError(error, context, where, make);
  if (error instanceof JetStreamError && /heartbeat/i.test(detail)) {
    return make('CONNECTION_FAILED', `${where}: the server stopped sending heartbeats (${detail}).`, true);
  }
  if (isTlsError(error)) {
    return make(
      'CONNECTION_FAILED',
      `${where}: TLS failed (${detail}). Give the CA of the server certificate in tls.caFile.`,
      false,
    );
  }
  if (isSocketError(error)) {
    return make('CONNECTION_FAILED', `${where}: ${detail}. Is the server running and reachable?`, true);
  }
  return make('INTERNAL', `${where}: ${detail}`, false);
}

function fromApiError(
  error: JetStreamApiError,
  context: ErrorContext,
  where: string,
  make: (code: ErrorCode, message: string, retriable: boolean) => EventBusError,
): EventBusError {
  const detail = error.message;
  switch (error.code) {
    case JS.streamNotFound:
      return make(
        'TOPIC_NOT_FOUND',
        `${where}: no stream holds this topic. Create it with ensureTopic or enable autoCreateTopics.`,
        false,
      );
    case JS.consumerNotFound:
      return make(
        'TOPIC_NOT_FOUND',
        `${where}: the group's consumer does not exist (deleted?). Subscribe again to recreate it.`,
        true,
      );
    case JS.streamNameInUse:
    case JS.subjectOverlap:
      return make(
        'TOPIC_MISMATCH',
        `${where}: ${detail}. Another stream already uses this name or subject; change streamPrefix or the topic.`,
        false,
      );
    case JS.messageTooLarge:
      return make('EVENT_TOO_LARGE', `${where}: the event is larger than the stream's max_msg_size.`, false);
    case JS.invalidStreamConfig:
      return make('INVALID_CONFIG', `${where}: ${detail}.`, false);
    case JS.notEnabled:
    case JS.notEnabledForAccount:
      return make(
        'UNSUPPORTED',
        `${where}: JetStream is not enabled (start the server with -js, or use ephemeral topics).`,
        false,
      );
    case JS.insufficientResources:
    case JS.storageExceeded:
      return make('PUBLISH_FAILED', `${where}: the server is out of JetStream resources (${detail}).`, true);
    case JS.storeFailed:
      return make(
        'PUBLISH_FAILED',
        `${where}: the stream refused the event (${detail}); a discard-new limit is full.`,
        true,
      );
    case JS.clusterUnavailable:
      return make('PUBLISH_FAILED', `${where}: JetStream is temporarily unavailable (${detail}).`, true);
    default:
      return make(
        context.operation === 'publish' ? 'PUBLISH_FAILED' : 'INTERNAL',
        `${where}: ${detail} (JetStream error ${error.code}).`,
        error.status >= 500,
      );
  }
}

function noResponders(context: ErrorContext, where: string, cause: unknown): EventBusError {
  // No responder means no stream listens on the subject, or JetStream is not (yet) up after a restart.
  const code: ErrorCode =
    context.operation === 'publish'
      ? 'PUBLISH_FAILED'
      : context.operation === 'connect'
        ? 'UNSUPPORTED'
        : 'NOT_CONNECTED';
  return new EventBusError(
    code,
    `${where}: nothing answered on the server: no stream for the topic, or JetStream is not enabled or not ready yet.`,
    { retriable: code !== 'UNSUPPORTED', cause, details: { ...detailsOf(context), noResponders: true } },
  );
}

function isSocketError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    /^(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND|ETIMEDOUT|EPIPE)$/.test(code)
  );
}

function isTlsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' && /CERT|UNABLE_TO_VERIFY|SELF_SIGNED|ERR_TLS|ERR_SSL|DEPTH_ZERO/.test(code)
  );
}

function describe(context: ErrorContext): string {
  const topic = context.topic === undefined ? '' : ` on topic ${context.topic}`;
  const servers = context.servers === undefined ? '' : ` (${context.servers})`;
  return `NATS ${context.operation}${topic}${servers} failed`;
}

function detailsOf(context: ErrorContext): Record<string, unknown> {
  return context.topic === undefined
    ? { operation: context.operation }
    : { operation: context.operation, topic: context.topic };
}
