import type { ClassifiedError, ClientError, ClientErrorKind } from '../driver.ts';

const CONNECTION_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSGroupCoordinatorNotFound',
]);
const TIMEOUT_NAMES = new Set(['KafkaJSRequestTimeoutError', 'KafkaJSTimeout', 'KafkaJSLockTimeout']);

/**
 * kafkajs' errors, driver-neutral: the root cause under its retry wrappers ("retries exceeded",
 * non-retriable, aggregate) and what its error class means. `undefined` for an error that is not
 * kafkajs' (another driver's classifier then looks at it).
 */
export function classifyKafkajsError(error: unknown): ClassifiedError | undefined {
  if (!isKafkajsError(error)) return undefined;
  const root = rootCause(error);
  return { root, kind: kindOf(root.name ?? '') };
}

function isKafkajsError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name.startsWith('KafkaJS');
}

function kindOf(name: string): ClientErrorKind | undefined {
  if (name === 'KafkaJSSASLAuthenticationError') return 'authentication';
  if (name === 'KafkaJSConnectionClosedError') return 'connection-closed';
  if (CONNECTION_NAMES.has(name)) return 'connection';
  if (TIMEOUT_NAMES.has(name)) return 'timeout';
  if (name === 'KafkaJSServerDoesNotSupportApiKey') return 'unsupported';
  return undefined;
}

interface KafkajsErrorLike extends ClientError {
  readonly cause?: unknown;
  readonly originalError?: unknown;
  readonly errors?: readonly unknown[];
}

/** Unwraps kafkajs' "retries exceeded" and non-retriable wrappers down to the error that caused them. */
function rootCause(error: unknown): ClientError {
  let current: unknown = error;
  for (let depth = 0; depth < 8; depth++) {
    if (typeof current !== 'object' || current === null) break;
    const e = current as KafkajsErrorLike;
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
  if (typeof current === 'object' && current !== null) return current as ClientError;
  return { message: String(current) };
}
