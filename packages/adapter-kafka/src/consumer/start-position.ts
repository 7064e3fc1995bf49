import type { KafkaDriver } from '../driver/driver.ts';

/**
 * For `startFrom: 'latest'`: the high watermark, taken when `consume()` is called, of every
 * partition the group never committed. kafkajs resolves "latest" lazily at its first fetch, so an
 * event published between `consume()` resolving and that fetch would be skipped; seeking to these
 * offsets on assignment makes "latest" mean "from when you subscribed".
 */
export async function latestForUncommitted(
  driver: KafkaDriver,
  group: string,
  topic: string,
): Promise<Map<number, string>> {
  const [committed, ends] = await Promise.all([
    driver.groupOffsets(group, topic),
    driver.topicOffsets(topic),
  ]);
  const done = new Map(committed.map((c) => [c.partition, Number(c.offset)]));
  const out = new Map<number, string>();
  for (const end of ends) if ((done.get(end.partition) ?? -1) < 0) out.set(end.partition, end.high);
  return out;
}
