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
