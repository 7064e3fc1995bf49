import { BatchScheduler } from '../scheduler/batch-scheduler.ts';
import { KeyedScheduler } from '../scheduler/keyed-scheduler.ts';
import type { ConsumerSettings } from './consumer-settings.ts';

/** What a topic consumer needs of its scheduler, per event or in batches. */
export interface Intake<T> {
  readonly size: number;
  readonly running: number;
  readonly saturated: boolean;
  submit(item: T): void;
  takeQueued(): T[];
  idle(): Promise<void>;
}

export interface SchedulerHooks<T> {
  /** The ordering key of an item (`undefined`: no order to keep). */
  readonly keyOf: (item: T) => string | undefined;
  /** Past `prefetch` items held: the transport should stop handing more over. */
  readonly onSaturated: () => void;
  readonly onDrained: () => void;
  /** Runs one item (a `subscribe` handler); `done` when it is settled. */
  readonly run: (item: T, done: (item: T) => void) => void;
  /** Runs a batch (a `subscribeBatch` handler); `done` when all of it is settled. */
  readonly runBatch: (items: readonly T[], done: () => void) => void;
}

/**
 * The scheduler of a subscription's settings: a keyed scheduler running `concurrency` items at
 * once (one per key with key ordering), or, for a batch subscription, batches of up to
 * `batch.maxEvents` on `concurrency` lanes. Both hold at most `prefetch` items.
 */
export function schedulerFor<T>(settings: ConsumerSettings, hooks: SchedulerHooks<T>): Intake<T> {
  const flow = {
    highWaterMark: settings.prefetch,
    keyOf: settings.ordering === 'key' ? hooks.keyOf : () => undefined,
    onSaturated: hooks.onSaturated,
    onDrained: hooks.onDrained,
  };
  return settings.batch === undefined
    ? new KeyedScheduler<T>({ ...flow, concurrency: settings.concurrency, run: hooks.run })
    : new BatchScheduler<T>({
        ...flow,
        lanes: settings.concurrency,
        maxItems: settings.batch.maxEvents,
        maxWaitMs: settings.batch.maxWaitMs,
        run: hooks.runBatch,
      });
}
