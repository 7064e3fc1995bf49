import type { InboundMessage, OutboundMessage } from '../transport.ts';

/** Why an event went to the dead-letter topic. */
export type DeadLetterReason = 'handler-failed' | 'decode-failed' | 'schema-invalid' | 'unhandled-type';

/** Standard headers on every dead-lettered event; the original value and headers travel unchanged. */
export const DLQ_HEADERS = {
  reason: 'switchyard-dlq-reason',
  errorClass: 'switchyard-dlq-error-class',
  errorCode: 'switchyard-dlq-error-code',
  errorMessage: 'switchyard-dlq-error-message',
  attempts: 'switchyard-dlq-attempts',
  originalTopic: 'switchyard-dlq-original-topic',
  originalPartition: 'switchyard-dlq-original-partition',
  originalOffset: 'switchyard-dlq-original-offset',
  originalSequence: 'switchyard-dlq-original-sequence',
  group: 'switchyard-dlq-group',
  time: 'switchyard-dlq-time',
  /** Set when the dead letter is larger than the dead-letter topic accepts: the payload's size in bytes, left out. */
  truncated: 'switchyard-dlq-truncated',
} as const;

const MAX_ERROR_MESSAGE = 1_000;

export function deadLetterMessage(
  message: InboundMessage,
  options: {
    topic: string;
    group: string;
    reason: DeadLetterReason;
    error: unknown;
    attempts: number;
    eventId: string | undefined;
  },
): OutboundMessage {
  const error = options.error instanceof Error ? options.error : new Error(String(options.error));
  const headers: Record<string, string> = { ...message.headers };
  headers[DLQ_HEADERS.reason] = options.reason;
  headers[DLQ_HEADERS.errorClass] = error.constructor.name;
  headers[DLQ_HEADERS.errorMessage] = error.message.slice(0, MAX_ERROR_MESSAGE);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') headers[DLQ_HEADERS.errorCode] = code;
  headers[DLQ_HEADERS.attempts] = String(options.attempts);
  headers[DLQ_HEADERS.originalTopic] = message.topic;
  headers[DLQ_HEADERS.group] = options.group;
  headers[DLQ_HEADERS.time] = new Date().toISOString();
  if (message.partition !== undefined) headers[DLQ_HEADERS.originalPartition] = String(message.partition);
  if (message.offset !== undefined) headers[DLQ_HEADERS.originalOffset] = message.offset;
  if (message.sequence !== undefined) headers[DLQ_HEADERS.originalSequence] = String(message.sequence);
  // One id per (event, group): a broker with de-duplication keeps a second group's dead letter,
  // and drops a repeat of the same group's after a crash between sending and acking.
  const base = options.eventId ?? message.offset ?? String(message.sequence ?? Date.now());
  return {
    topic: options.topic,
    key: message.key,
    value: message.value,
    headers,
    id: `${base}.${options.group}.dlq`,
  };
}

/**
 * The bounded form of a dead letter too large for its topic: no payload, and of the original
 * headers only what fits — the dead-letter headers and the CloudEvents attributes first — so that
 * what failed, why, and where the original is (topic, partition, offset) are always recorded.
 */
export function truncatedDeadLetter(
  dead: OutboundMessage,
  limit: number,
  isEnvelopeHeader: (name: string) => boolean,
): OutboundMessage {
  const headers: Record<string, string> = { [DLQ_HEADERS.truncated]: String(dead.value.byteLength) };
  let size = (dead.key?.length ?? 0) + DLQ_HEADERS.truncated.length + 12;
  const keep = (name: string) => {
    const value = dead.headers[name]!;
    if (size + name.length + value.length > limit) return;
    headers[name] = value;
    size += name.length + value.length;
  };
  const names = Object.keys(dead.headers);
  const dlq = new Set<string>(Object.values(DLQ_HEADERS));
  for (const name of names) if (dlq.has(name)) keep(name);
  for (const name of names) if (!dlq.has(name) && isEnvelopeHeader(name)) keep(name);
  for (const name of names) if (!dlq.has(name) && !isEnvelopeHeader(name)) keep(name);
  return { ...dead, value: new Uint8Array(0), headers };
}
