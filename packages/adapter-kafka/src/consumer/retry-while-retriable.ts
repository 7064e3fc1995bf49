import { EventBusError } from '@switchyard/core';

/**
 * Runs `attempt` again while it fails with a retriable EventBusError, with backoff, until
 * `deadlineMs` has passed. Starting a consumer right after a topic was created, after a broker
 * restart or on a busy broker meets transient answers (UNKNOWN_TOPIC_OR_PARTITION while metadata
 * propagates, GROUP_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE) that a user should never see.
 */
export async function retryWhileRetriable<T>(
  deadlineMs: number,
  attempt: () => Promise<T>,
  onRetry?: (error: EventBusError, delayMs: number) => void,
): Promise<T> {
  const until = Date.now() + deadlineMs;
  let delayMs = 100;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof EventBusError) || !error.retriable || Date.now() + delayMs > until) throw error;
      onRetry?.(error, delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, 2_000);
    }
  }
}
