import type { Log } from '@switchyard/core/transport';
import type { DriverConsumer } from '../driver/driver.ts';
import type { OffsetTracker } from './offset-tracker.ts';

/** Commit refusals that are part of a normal rebalance: the next interval (or the new owner) takes over. */
const REBALANCE_ERRORS = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'NOT_COORDINATOR_FOR_GROUP',
  'COORDINATOR_NOT_AVAILABLE',
]);

/**
 * Commits each owned partition's acknowledged prefix, one commit request at a time. A commit
 * refused because the group is rebalancing is dropped quietly: the next interval retries it, and a
 * partition that moved away is no longer ours to commit.
 */
export class Committer {
  private committing: Promise<void> | undefined;
  private readonly log: Log;
  private readonly group: string;
  private readonly onFailure: (error: unknown) => void;

  constructor(log: Log, group: string, onFailure: (error: unknown) => void) {
    this.log = log;
    this.group = group;
    this.onFailure = onFailure;
  }

  async commit(consumer: DriverConsumer | undefined, trackers: Iterable<OffsetTracker>): Promise<void> {
    while (this.committing !== undefined) await this.committing;
    if (consumer === undefined) return;
    const positions: Array<{ tracker: OffsetTracker; offset: number }> = [];
    for (const tracker of trackers) {
      const offset = tracker.uncommitted();
      if (offset !== undefined) positions.push({ tracker, offset });
    }
    if (positions.length === 0) return;
    const offsets = positions.map(({ tracker, offset }) => ({
      topic: tracker.topic,
      partition: tracker.partition,
      offset: String(offset),
    }));
    this.committing = consumer
      .commit(offsets)
      .then(
        () => {
          for (const { tracker, offset } of positions) tracker.committed = offset;
        },
        (error: unknown) => {
          const type = (error as { type?: string }).type ?? '';
          if (REBALANCE_ERRORS.has(type)) {
            this.log('debug', `commit refused during a rebalance (${type}); retrying next interval`, {
              group: this.group,
            });
          } else {
            this.onFailure(error);
          }
        },
      )
      .finally(() => {
        this.committing = undefined;
      });
    await this.committing;
  }
}
