import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const CHECK_PENDING_REQUESTS_INTERVAL = 10; // kafkajs' own constant

interface RequestQueueLike {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checkPendingRequests(): void;
}

let applied = false;

/**
 * kafkajs 2.2.4 re-arms a timer after every response even when nothing waits, with a negative delay
 * that Node ≥ 23 reports as a TimeoutNegativeWarning and clamps to 1 ms: each connection then spins
 * a 1 ms timer loop for its whole life (kafkajs issues #1704 and #1751; the fix in pull requests
 * #1755/#1768 is unreleased), a steady idle CPU cost (measured in docs/internals/kafka-producer.md).
 * This applies that fix to kafkajs' RequestQueue: schedule a check only while requests wait or the broker throttles.
 * Applied once, and only to the exact kafkajs version it was written against.
 */
export function patchKafkajs(): void {
  if (applied) return;
  applied = true;
  const { version } = require('kafkajs/package.json') as { version: string };
  if (version !== '2.2.4') return;
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as {
    prototype: RequestQueueLike & { scheduleCheckPendingRequests(): void };
  };
  RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(
    this: RequestQueueLike,
  ) {
    if (this.throttleCheckTimeoutId) return;
    let delay = this.throttledUntil - Date.now();
    if (this.pending.length > 0) delay = delay > 0 ? delay : CHECK_PENDING_REQUESTS_INTERVAL;
    else if (delay <= 0) return; // nothing waits and nothing throttles: nothing to check later
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, delay);
  };
}
