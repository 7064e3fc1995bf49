import type { Log } from '@switchyard/core/transport';
import type { DriverConsumer } from '../driver/driver.ts';
import { isRebalanceRefusal } from '../errors.ts';
import type { OffsetTracker } from './offset-tracker.ts';

/**
 * Commits each owned partition's acknowledged prefix, one commit request at a time, except the one
 * made as a rebalance starts. A commit refused because the group is rebalancing is dropped quietly:
 * the next interval retries it, and a partition that moved away is no longer ours to commit.
 */
export class Committer {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly log: Log;
  private readonly group: string;
  private readonly onFailure: (error: unknown) => void;

  constructor(log: Log, group: string, onFailure: (error: unknown) => void) {
    this.log = log;
    this.group = group;
    this.onFailure = onFailure;
  }

  /**
   * `beforeRebalance`: the group is about to move partitions, so this commit goes out at once, not
   * after the one in flight (which was computed earlier and would leave what was acked since to be
   * handled again by the next owner). Both go to the group coordinator on one connection, where the
   * broker applies them in the order sent.
   */
  async commit(
    consumer: DriverConsumer | undefined,
    trackers: Iterable<OffsetTracker>,
    beforeRebalance = false,
  ): Promise<void> {
    while (!beforeRebalance && this.inFlight.size > 0) await Promise.all(this.inFlight);
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
    const sent = consumer
      .commit(offsets)
      .then(
        () => {
          for (const { tracker, offset } of positions) tracker.committed = offset;
        },
        (error: unknown) => {
          if (isRebalanceRefusal(error)) {
            this.log('debug', `commit refused during a rebalance; retrying next interval`, {
              group: this.group,
            });
          } else {
            this.onFailure(error);
          }
        },
      )
      .finally(() => {
        this.inFlight.delete(sent);
      });
    this.inFlight.add(sent);
    await sent;
  }
}
