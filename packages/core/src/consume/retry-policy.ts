import { definedFields } from '../defined-fields.ts';
import { configError } from '../errors.ts';
import { checkKnownKeys } from '../option-checks.ts';

/** How a failing handler is retried before its event goes to the dead-letter topic. */
export interface RetryOptions {
  /**
   * Total handler attempts, the first one included. 1 means no retry.
   * @default 5
   */
  readonly attempts?: number;
  /**
   * Delay before the first retry, in ms; each later one multiplies it by `multiplier`.
   * @default 100
   */
  readonly initialDelayMs?: number;
  /** @default 2 */
  readonly multiplier?: number;
  /**
   * Upper bound of one delay, in ms.
   * @default 30000
   */
  readonly maxDelayMs?: number;
  /**
   * `full` jitter picks a delay uniformly in [0, computed] (AWS's advice against synchronized
   * retries); `none` keeps the computed delay (tests, predictable schedules).
   * @default 'full'
   */
  readonly jitter?: 'full' | 'none';
  /**
   * Retries whose delay is at most this long wait in process, holding only their own key.
   * Longer delays hand the event back to the broker (`nack` with a delay) when the transport
   * supports delayed redelivery, so the partition or stream keeps moving.
   * @default 1000
   */
  readonly inProcessMaxDelayMs?: number;
}

export type ResolvedRetryPolicy = Required<RetryOptions>;

export const DEFAULT_RETRY: ResolvedRetryPolicy = {
  attempts: 5,
  initialDelayMs: 100,
  multiplier: 2,
  maxDelayMs: 30_000,
  jitter: 'full',
  inProcessMaxDelayMs: 1_000,
};

export function resolveRetryPolicy(options: RetryOptions | false | undefined): ResolvedRetryPolicy {
  if (options === false) return { ...DEFAULT_RETRY, attempts: 1 };
  if (options !== undefined)
    checkKnownKeys(options, Object.keys(DEFAULT_RETRY), 'retry.', {
      maxAttempts: 'attempts',
      retries: 'attempts',
      maxRetries: 'attempts',
      delayMs: 'initialDelayMs',
      backoffMs: 'initialDelayMs',
      factor: 'multiplier',
    });
  const policy = { ...DEFAULT_RETRY, ...definedFields(options) };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) {
    throw configError('retry.attempts', `must be a whole number >= 1, got ${policy.attempts}`);
  }
  for (const field of ['initialDelayMs', 'maxDelayMs', 'inProcessMaxDelayMs'] as const) {
    if (!(policy[field] >= 0)) throw configError(`retry.${field}`, `must be >= 0, got ${policy[field]}`);
  }
  if (!(policy.multiplier >= 1))
    throw configError('retry.multiplier', `must be >= 1, got ${policy.multiplier}`);
  return policy;
}

/** Delay before attempt `failedAttempt + 1`, after attempt `failedAttempt` (1-based) failed. */
export function retryDelay(policy: ResolvedRetryPolicy, failedAttempt: number, random = Math.random): number {
  const computed = Math.min(
    policy.maxDelayMs,
    policy.initialDelayMs * policy.multiplier ** (failedAttempt - 1),
  );
  return Math.round(policy.jitter === 'full' ? random() * computed : computed);
}
