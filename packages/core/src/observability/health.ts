import { EventBusError } from '../errors.ts';

/**
 * How long `health()` waits for a transport's own report and for each subscription's lag (both
 * may ask the broker). A probe must answer even when the broker does not.
 */
export const DEFAULT_HEALTH_TIMEOUT_MS = 2_000;

/** Resolves or rejects like `promise`, or rejects with a TIMEOUT error after `ms`. */
export function withTimeout<T>(promise: Promise<T> | T, ms: number, what: string): Promise<T> {
  if (!(promise instanceof Promise)) return Promise.resolve(promise);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new EventBusError('TIMEOUT', `${what} did not answer within ${ms} ms.`, { retriable: true })),
      ms,
    );
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
