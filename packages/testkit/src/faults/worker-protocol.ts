import type { SubscribeOptions } from '@switchyard/core';

/** How the parent configures a worker process (JSON in SWITCHYARD_FAULTS_WORKER). */
export interface WorkerConfig {
  readonly role: 'consume' | 'publish';
  /** URL of a module exporting `transportFromEnv(env)`. */
  readonly adapter: string;
  readonly transportEnv: Readonly<Record<string, string>>;
  readonly topic: string;
  readonly group: string;
  readonly keys: number;
  /** consume: the handler's simulated work per event, in ms. */
  readonly handlerDelayMs: number;
  /** consume: the handler that gets the event marked `crash` ends the process (exit code 3). */
  readonly crashOnMarker: boolean;
  readonly subscribe: Pick<SubscribeOptions, 'concurrency' | 'ackTimeoutMs'>;
  /** publish: events offered per second. */
  readonly ratePerSecond: number;
  /** The bus's `publishBuffer` limits (defaults where absent). */
  readonly publishBuffer: { readonly maxMessages?: number; readonly maxWaitingMessages?: number };
}

/** Worker → parent. Event numbers are batched; `rss` carries the process's peak resident set so far. */
export type ToParent =
  | { readonly t: 'ready' }
  | { readonly t: 'handled'; readonly n: readonly number[] }
  | {
      readonly t: 'acked';
      readonly n: readonly number[];
      readonly longestAckGapMs: number;
      readonly longestSettleMs: number;
    }
  | {
      readonly t: 'failed';
      readonly failures: ReadonlyArray<{ label: string; count: number; example: string }>;
    }
  | { readonly t: 'rss'; readonly maxRssBytes: number }
  | { readonly t: 'done'; readonly unsettled: number };

/** Parent → worker: a publisher stops offering and reports once its publishes settled (or the deadline passed). */
export type ToWorker = { readonly t: 'stop'; readonly settleTimeoutMs: number };
