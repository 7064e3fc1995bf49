import { configError } from '@switchyard/core/transport';

export interface PartitionPlan {
  /** Events per second the topic must carry at peak. */
  readonly targetMsgPerSec: number;
  /** Events per second one partition sustains (measure it: producer and slowest consumer). */
  readonly perPartitionMsgPerSec: number;
  /** Consumer instances expected in the largest group: fewer partitions would leave some idle. */
  readonly consumers: number;
}

/**
 * Partitions for a topic: enough for the target throughput and at least one per consumer,
 * `max(ceil(target / perPartition), consumers)`. Add headroom for growth yourself: Kafka can add
 * partitions later, but that moves keys to other partitions.
 */
export function recommendPartitions(plan: PartitionPlan): number {
  for (const field of ['targetMsgPerSec', 'perPartitionMsgPerSec', 'consumers'] as const) {
    const value = plan[field];
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      value < 0 ||
      (field === 'perPartitionMsgPerSec' && value === 0)
    ) {
      throw configError(
        field,
        `must be a ${field === 'perPartitionMsgPerSec' ? 'positive' : 'non-negative'} number, got ${JSON.stringify(value)}`,
      );
    }
  }
  return Math.max(1, Math.ceil(plan.targetMsgPerSec / plan.perPartitionMsgPerSec), Math.ceil(plan.consumers));
}
