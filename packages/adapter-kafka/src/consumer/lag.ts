import type { ConsumerLag } from '@switchyard/core';
import type { ConsumeRequest } from '@switchyard/core/transport';
import type { KafkaDriver } from '../driver/driver.ts';

/**
 * Lag per partition = high watermark − the group's committed offset (or, where the group never
 * committed, the position it would start from). `pending` counts events handed to the scheduler
 * and not yet acknowledged by this member.
 */
export async function computeLag(
  driver: KafkaDriver,
  request: ConsumeRequest,
  pending: number,
): Promise<ConsumerLag> {
  const [committed, ends] = await Promise.all([
    driver.groupOffsets(request.group, request.topic),
    driver.topicOffsets(request.topic),
  ]);
  const committedBy = new Map(committed.map((c) => [c.partition, Number(c.offset)]));
  const partitions = ends
    .map((end) => {
      const high = Number(end.high);
      const done = committedBy.get(end.partition) ?? -1;
      const from = done >= 0 ? done : request.startFrom === 'earliest' ? Number(end.low) : high;
      return { partition: end.partition, lag: Math.max(0, high - from) };
    })
    .sort((a, b) => a.partition - b.partition);
  return { total: partitions.reduce((sum, p) => sum + p.lag, 0), partitions, pending };
}
