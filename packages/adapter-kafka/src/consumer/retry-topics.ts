import type { InboundMessage, OutboundMessage } from '@switchyard/core/transport';

/** Headers the transport adds to an event parked in a retry topic. */
export const RETRY_HEADERS = {
  attempt: 'switchyard-attempt',
  due: 'switchyard-retry-due',
  group: 'switchyard-retry-group',
  topic: 'switchyard-original-topic',
  partition: 'switchyard-original-partition',
  offset: 'switchyard-original-offset',
} as const;

const INTERNAL = new Set<string>(Object.values(RETRY_HEADERS));

/** The tier a delay goes to: the smallest tier not shorter than the delay, else the longest. */
export function tierFor(delayMs: number, tiersMs: readonly number[]): number {
  return tiersMs.find((t) => t >= delayMs) ?? tiersMs.at(-1)!;
}

/** `1s`, `10s`, `1m`, `10m`, `1h`, or `<n>ms` when the tier is not a whole unit. */
export function tierLabel(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * How often a group member needs to fetch its retry topics: a tenth of the shortest tier, at most
 * 100 ms. A record there is not due before its delay (over `inProcessMaxDelayMs`, 1 s by default,
 * or core would have retried in process), so it comes back at most this much later.
 */
export function retryFetchEveryMs(tiersMs: readonly number[]): number {
  return Math.max(1, Math.min(100, Math.floor(Math.min(...tiersMs) / 10)));
}

export function retryTopicName(topic: string, tierMs: number): string {
  return `${topic}.retry.${tierLabel(tierMs)}`;
}

export interface RetryOrigin {
  readonly topic: string;
  readonly partition: number | undefined;
  readonly offset: string | undefined;
}

/**
 * The event as it is parked: same key (so it lands on the same partition number of the retry topic),
 * same value and headers, plus the due time, the attempt it will be, the group that asked for it,
 * and where it first came from.
 */
export function toRetryMessage(
  message: InboundMessage,
  origin: RetryOrigin,
  options: {
    readonly group: string;
    readonly tierMs: number;
    readonly dueAt: number;
    readonly attempt: number;
  },
): OutboundMessage {
  const headers: Record<string, string> = { ...message.headers };
  headers[RETRY_HEADERS.attempt] = String(options.attempt);
  headers[RETRY_HEADERS.due] = String(options.dueAt);
  headers[RETRY_HEADERS.group] = options.group;
  headers[RETRY_HEADERS.topic] = origin.topic;
  if (origin.partition !== undefined) headers[RETRY_HEADERS.partition] = String(origin.partition);
  if (origin.offset !== undefined) headers[RETRY_HEADERS.offset] = origin.offset;
  return {
    topic: retryTopicName(origin.topic, options.tierMs),
    key: message.key,
    value: message.value,
    headers,
    id:
      message.headers.ce_id ??
      `${origin.topic}-${origin.partition ?? ''}-${origin.offset ?? ''}-${options.attempt}`,
  };
}

export interface ParkedEvent {
  readonly group: string;
  readonly dueAt: number;
  readonly attempt: number;
  readonly origin: RetryOrigin;
  /** The event's own headers, without the transport's retry headers. */
  readonly headers: Record<string, string>;
}

/** Reads a retry-topic record back; undefined when it does not carry the retry headers. */
export function parseParked(headers: Readonly<Record<string, string>>): ParkedEvent | undefined {
  const group = headers[RETRY_HEADERS.group];
  const dueAt = Number(headers[RETRY_HEADERS.due]);
  const attempt = Number(headers[RETRY_HEADERS.attempt]);
  const topic = headers[RETRY_HEADERS.topic];
  if (group === undefined || topic === undefined || !Number.isFinite(dueAt) || !Number.isSafeInteger(attempt))
    return undefined;
  const partition = headers[RETRY_HEADERS.partition];
  const clean: Record<string, string> = {};
  for (const name in headers) if (!INTERNAL.has(name)) clean[name] = headers[name]!;
  return {
    group,
    dueAt,
    attempt,
    origin: {
      topic,
      partition: partition === undefined ? undefined : Number(partition),
      offset: headers[RETRY_HEADERS.offset],
    },
    headers: clean,
  };
}
