import { type ErrorCode, EventBusError } from '@switchyard/core';

/** What the transport was doing when the error happened; it shapes the message and the code. */
export interface ErrorContext {
  readonly operation: 'connect' | 'publish' | 'consume' | 'ack' | 'topic-admin' | 'lag' | 'close';
  readonly topic?: string;
  /** The server URL, already without credentials. */
  readonly server?: string;
}

/**
 * The one place that turns an ioredis error into an EventBusError with a closed code, a
 * `retriable` flag and a message that says what to do.
 *
 * ioredis attaches the failed command to its errors, arguments included — for the handshake that is
 * `HELLO 3 AUTH <user> <password>`. So the cause kept here is a copy with the name, message and
 * code only, never the original: no password reaches a message, a log line or a serialized error.
 */
export function toEventBusError(error: unknown, context: ErrorContext): EventBusError {
  if (error instanceof EventBusError) return error;
  const where = describe(context);
  const detail = safeDetail(error);
  const cause = safeCause(error);
  const make = (code: ErrorCode, message: string, retriable: boolean) =>
    new EventBusError(code, message, { retriable, cause, details: detailsOf(context) });

  if (isAuthError(error)) {
    return make(
      'AUTHENTICATION_FAILED',
      `${where}: the server rejected the credentials (${detail}). Check username and password (or the URL's user:password).`,
      false,
    );
  }
  const prefix = replyPrefix(error);
  switch (prefix) {
    case 'NOPERM':
      return make(
        'AUTHORIZATION_FAILED',
        `${where}: permission denied (${detail}). Grant the ACL user the stream commands (+@stream +@scripting) and the keys.`,
        false,
      );
    case 'NOGROUP':
    case 'UNBLOCKED':
      return make(
        'TOPIC_NOT_FOUND',
        `${where}: the stream or its consumer group is gone (deleted, or the server restarted without persistence). It is re-created on the next read.`,
        true,
      );
    case 'OOM':
      return make(
        'PUBLISH_FAILED',
        `${where}: Redis is out of memory (maxmemory reached): ${detail}. Trim topics (maxMessages / retentionMs), raise maxmemory, or consume faster.`,
        true,
      );
    case 'LOADING':
    case 'MASTERDOWN':
    case 'TRYAGAIN':
    case 'BUSY':
      return make('NOT_CONNECTED', `${where}: the server is not ready yet (${detail}).`, true);
    case 'READONLY':
      return make(
        'PUBLISH_FAILED',
        `${where}: the server is a read-only replica (${detail}). Point the transport at the primary.`,
        true,
      );
    case 'MISCONF':
      return make(
        'PUBLISH_FAILED',
        `${where}: the server refuses writes because it cannot persist (${detail}). Check its disk and logs.`,
        true,
      );
    case 'WRONGTYPE':
      return make(
        'TOPIC_MISMATCH',
        `${where}: the key is not a stream (${detail}). Another application uses this key: choose another topic or set streamPrefix.`,
        false,
      );
    default:
  }
  if (prefix === 'ERR' && /unknown command/i.test(detail)) {
    return make('UNSUPPORTED', `${where}: ${detail}. Switchyard needs Redis 7.0 or newer.`, false);
  }
  if (isTlsError(error)) {
    return make(
      'CONNECTION_FAILED',
      `${where}: TLS failed (${detail}). Give the CA of the server certificate in tls.caFile.`,
      false,
    );
  }
  if (isConnectionError(error)) {
    return make(
      context.operation === 'connect' ? 'CONNECTION_FAILED' : 'NOT_CONNECTED',
      `${where}: ${detail}. Is the server running and reachable?`,
      true,
    );
  }
  if (/timed out/i.test(detail)) return make('TIMEOUT', `${where}: ${detail}.`, true);
  return make(
    context.operation === 'publish' ? 'PUBLISH_FAILED' : 'INTERNAL',
    `${where}: ${detail}`,
    prefix === undefined,
  );
}

/** WRONGPASS (ACL) or NOAUTH / invalid password (requirepass) replies. */
export function isAuthError(error: unknown): boolean {
  const prefix = replyPrefix(error);
  if (prefix === 'WRONGPASS' || prefix === 'NOAUTH') return true;
  return (
    prefix === 'ERR' && /invalid (username-)?password|AUTH <password> called without/i.test(messageOf(error))
  );
}

/**
 * A group or stream that is gone: `NOGROUP`, or `UNBLOCKED` for a blocked read whose stream was
 * deleted. The consumer re-creates the group.
 */
export function isGroupGone(error: unknown): boolean {
  const prefix = replyPrefix(error);
  return prefix === 'NOGROUP' || prefix === 'UNBLOCKED';
}

/** The first word of a Redis error reply (`WRONGPASS`, `NOGROUP`, `OOM` …), for ioredis ReplyErrors. */
export function replyPrefix(error: unknown): string | undefined {
  if (!(error instanceof Error) || error.name !== 'ReplyError') return undefined;
  const match = /^([A-Z]+)\b/.exec(error.message);
  return match?.[1];
}

/** Errors of the connection itself (refused, reset, closed, aborted by a close): the command may not have run. */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (
    typeof code === 'string' &&
    /^(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND|ETIMEDOUT|EPIPE|EAI_AGAIN)$/.test(code)
  )
    return true;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    error.name === 'AbortError' ||
    /Connection is closed|Stream isn't writeable|connect ETIMEDOUT|Socket closed/i.test(error.message)
  );
}

function isTlsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    /CERT|UNABLE_TO_VERIFY|SELF_SIGNED|ERR_TLS|ERR_SSL|DEPTH_ZERO|HOSTNAME/.test(code)
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The error's message: ioredis never puts arguments in a message, only in `command`. */
function safeDetail(error: unknown): string {
  return messageOf(error).replace(/\.$/, '');
}

/** A copy of the error with name, message and code: without the `command` (and its arguments) ioredis attaches. */
export function safeCause(error: unknown): Error {
  const copy = new Error(messageOf(error));
  copy.name = error instanceof Error ? error.name : 'Error';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') (copy as Error & { code?: string }).code = code;
  const command = (error as { command?: { name?: unknown } } | null)?.command?.name;
  if (typeof command === 'string') (copy as Error & { command?: string }).command = command;
  return copy;
}

function describe(context: ErrorContext): string {
  const topic = context.topic === undefined ? '' : ` on topic ${context.topic}`;
  const server = context.server === undefined ? '' : ` (${context.server})`;
  return `Redis ${context.operation}${topic}${server} failed`;
}

function detailsOf(context: ErrorContext): Record<string, unknown> {
  return context.topic === undefined
    ? { operation: context.operation }
    : { operation: context.operation, topic: context.topic };
}
