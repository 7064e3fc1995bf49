import { configError } from '../errors.ts';
import { checkKnownKeys } from '../option-checks.ts';
import type { BatchOptions, SubscribeBatchOptions, SubscribeOptions } from '../types.ts';

/**
 * What the subscriptions of one group on one topic share inside one bus: they are one consumer
 * underneath (one `transport.consume()`), so these settings are the consumer's, not a handler's.
 */
export interface ConsumerSettings {
  readonly concurrency: number;
  readonly ordering: 'key' | 'none';
  readonly prefetch: number;
  readonly startFrom: 'earliest' | 'latest';
  readonly ackTimeoutMs: number;
  /** `undefined`: failed events are reported and dropped (`deadLetter: false`). */
  readonly deadLetterTopic: string | undefined;
  readonly unhandled: 'ack' | 'dead-letter';
  /** Set for a batch consumer (`subscribeBatch`). */
  readonly batch: { readonly maxEvents: number; readonly maxWaitMs: number } | undefined;
}

export const DEFAULT_CONSUMER_SETTINGS = {
  concurrency: 16,
  ordering: 'key',
  prefetch: 1000,
  startFrom: 'earliest',
  ackTimeoutMs: 60_000,
  unhandled: 'ack',
  batchMaxEvents: 100,
  batchMaxWaitMs: 20,
} as const;

/** Every subscribe option's name: a misspelled one (`gruop`) is refused rather than ignored. */
const SUBSCRIBE_OPTION_KEYS = Object.keys({
  group: true,
  concurrency: true,
  ordering: true,
  retry: true,
  deadLetter: true,
  prefetch: true,
  startFrom: true,
  ackTimeoutMs: true,
  unhandled: true,
  signal: true,
} satisfies Record<keyof SubscribeOptions, true>);
/** What users of the broker clients write for these options. */
const SUBSCRIBE_MEANT: Readonly<Record<string, string>> = {
  groupId: 'group', // kafkajs
  queue: 'group', // nats.js
  fromBeginning: 'startFrom', // kafkajs: startFrom: 'earliest'
  partitionsConsumedConcurrently: 'concurrency', // kafkajs
  maxRetries: 'retry', // retry: { attempts }
  retries: 'retry',
  dlq: 'deadLetter',
  deadLetterTopic: 'deadLetter', // deadLetter: { topic }
};
const BATCH_OPTION_KEYS = Object.keys({ maxEvents: true, maxWaitMs: true } satisfies Record<
  keyof BatchOptions,
  true
>);

/** Refuses an option `subscribe` (or, with `batch`, `subscribeBatch`) does not know, naming it. */
export function checkSubscribeKeys(options: SubscribeBatchOptions, batch: boolean): void {
  if (!batch && typeof options === 'object' && options !== null && 'batch' in options)
    throw configError('batch', 'a batch handler subscribes with subscribeBatch(topic, handler, { batch })');
  checkKnownKeys(
    options,
    batch ? [...SUBSCRIBE_OPTION_KEYS, 'batch'] : SUBSCRIBE_OPTION_KEYS,
    '',
    SUBSCRIBE_MEANT,
  );
  if (typeof options.deadLetter === 'object' && options.deadLetter !== null)
    checkKnownKeys(options.deadLetter, ['topic'], 'deadLetter.');
  if (batch && options.batch !== undefined) checkKnownKeys(options.batch, BATCH_OPTION_KEYS, 'batch.');
}

/** The consumer settings `options` ask for, checked; a field left out takes its default. */
export function consumerSettings(
  topic: string,
  options: SubscribeOptions,
  batchOptions?: BatchOptions,
): ConsumerSettings {
  const concurrency = options.concurrency ?? DEFAULT_CONSUMER_SETTINGS.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw configError('concurrency', `must be a whole number >= 1, got ${concurrency}`);
  const prefetch = options.prefetch ?? DEFAULT_CONSUMER_SETTINGS.prefetch;
  if (!Number.isInteger(prefetch) || prefetch < 1)
    throw configError('prefetch', `must be a whole number >= 1, got ${prefetch}`);
  const ordering = options.ordering ?? DEFAULT_CONSUMER_SETTINGS.ordering;
  if (ordering !== 'key' && ordering !== 'none')
    throw configError('ordering', `must be 'key' or 'none', got ${String(ordering)}`);
  const startFrom = options.startFrom ?? DEFAULT_CONSUMER_SETTINGS.startFrom;
  if (startFrom !== 'earliest' && startFrom !== 'latest')
    throw configError('startFrom', `must be 'earliest' or 'latest', got ${String(startFrom)}`);
  const ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_CONSUMER_SETTINGS.ackTimeoutMs;
  if (!(ackTimeoutMs > 0)) throw configError('ackTimeoutMs', `must be > 0, got ${ackTimeoutMs}`);
  const unhandled = options.unhandled ?? DEFAULT_CONSUMER_SETTINGS.unhandled;
  if (unhandled !== 'ack' && unhandled !== 'dead-letter')
    throw configError('unhandled', `must be 'ack' or 'dead-letter', got ${String(unhandled)}`);
  const deadLetter = options.deadLetter ?? true;
  const deadLetterTopic =
    deadLetter === false ? undefined : deadLetter === true ? `${topic}.dlq` : deadLetter.topic;
  return {
    concurrency,
    ordering,
    prefetch,
    startFrom,
    ackTimeoutMs,
    deadLetterTopic,
    unhandled,
    batch: batchOptions === undefined ? undefined : batchSettings(batchOptions, prefetch),
  };
}

function batchSettings(options: BatchOptions, prefetch: number): NonNullable<ConsumerSettings['batch']> {
  const maxEvents = options.maxEvents ?? DEFAULT_CONSUMER_SETTINGS.batchMaxEvents;
  if (!Number.isInteger(maxEvents) || maxEvents < 1)
    throw configError('batch.maxEvents', `must be a whole number >= 1, got ${maxEvents}`);
  if (maxEvents > prefetch)
    throw configError('batch.maxEvents', `must not exceed prefetch (${prefetch}), got ${maxEvents}`);
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_CONSUMER_SETTINGS.batchMaxWaitMs;
  if (!(maxWaitMs >= 0)) throw configError('batch.maxWaitMs', `must be >= 0, got ${maxWaitMs}`);
  return { maxEvents, maxWaitMs };
}

/**
 * A later subscription of the same group and topic joins the running consumer: a consumer
 * setting it gives explicitly must match the one in force, or it is refused naming the field.
 */
export function assertSameConsumer(
  current: ConsumerSettings,
  topic: string,
  group: string,
  options: SubscribeOptions,
  batch?: BatchOptions,
): void {
  if ((batch === undefined) !== (current.batch === undefined)) {
    throw configError(
      batch === undefined ? 'subscribe' : 'subscribeBatch',
      `group "${group}" on ${topic} already has ${current.batch === undefined ? 'per-event' : 'a batch'} handler: ` +
        'a batch handler is the only handler of its consumer; subscribe it in another group',
    );
  }
  if (batch !== undefined)
    throw configError(
      'subscribeBatch',
      `group "${group}" on ${topic} already has a batch handler; a consumer has at most one`,
    );
  const asked = consumerSettings(topic, options);
  const given: Array<[keyof SubscribeOptions, keyof ConsumerSettings]> = [
    ['concurrency', 'concurrency'],
    ['ordering', 'ordering'],
    ['prefetch', 'prefetch'],
    ['startFrom', 'startFrom'],
    ['ackTimeoutMs', 'ackTimeoutMs'],
    ['deadLetter', 'deadLetterTopic'],
    ['unhandled', 'unhandled'],
  ];
  for (const [option, setting] of given) {
    if (options[option] === undefined || asked[setting] === current[setting]) continue;
    throw configError(
      option,
      `the subscriptions of group "${group}" on ${topic} share one consumer, which runs with ` +
        `${setting} ${String(current[setting])}; give the same value (or leave it out), or subscribe in another group`,
    );
  }
}
