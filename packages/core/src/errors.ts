/**
 * Every error code Switchyard raises. A closed list: adapters map their client's errors onto it
 * in one function each, so callers can switch on `code` whatever the broker.
 */
export const ERROR_CODES = [
  'INVALID_CONFIG',
  'INVALID_TOPIC',
  'INVALID_EVENT',
  'EVENT_TOO_LARGE',
  'SCHEMA_VALIDATION',
  'DECODE_FAILED',
  'BUFFER_FULL',
  'CLOSED',
  'NOT_CONNECTED',
  'CONNECTION_FAILED',
  'AUTHENTICATION_FAILED',
  'AUTHORIZATION_FAILED',
  'TIMEOUT',
  'PUBLISH_FAILED',
  'TOPIC_NOT_FOUND',
  'TOPIC_MISMATCH',
  'UNSUPPORTED',
  'DEAD_LETTER_FAILED',
  'ABORTED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface EventBusErrorOptions {
  /** Whether trying the same operation again can succeed (a broker hiccup, a full buffer). */
  retriable?: boolean;
  cause?: unknown;
  /** Extra structured detail (topic, field, limit) for logs and tests. */
  details?: Record<string, unknown>;
}

/** The one error family of Switchyard: a closed `code`, `retriable`, and a message that says what to do. */
export class EventBusError extends Error {
  override readonly name = 'EventBusError';
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: EventBusErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = options.details ?? {};
  }
}

/** What was thrown or rejected, as an Error: an Error as it is, anything else as an Error of its text. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

export function isEventBusError(error: unknown, code?: ErrorCode): error is EventBusError {
  return error instanceof EventBusError && (code === undefined || error.code === code);
}

/** Wraps anything thrown into an EventBusError, keeping one that already is. */
export function toEventBusError(
  error: unknown,
  code: ErrorCode,
  message: string,
  retriable = false,
): EventBusError {
  if (error instanceof EventBusError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new EventBusError(code, `${message}: ${detail}`, { retriable, cause: error });
}

export function configError(field: string, problem: string): EventBusError {
  return new EventBusError('INVALID_CONFIG', `Invalid option \`${field}\`: ${problem}`, {
    details: { field },
  });
}
