import type { KafkaDriver } from './driver.ts';

/**
 * Polls until every partition of a topic just made is served: the metadata names a leader for each,
 * and ListOffsets answers for them. A broker lists a new partition's leader a moment before it hosts
 * it (and the more partitions one CreateTopics request made, the longer), and a kafkajs consumer
 * that asks for offsets then rejoins its group. Gives up quietly at the deadline or when `open`
 * turns false: the first write or fetch retries on its own.
 */
export async function waitUntilServed(
  driver: Pick<KafkaDriver, 'topicMetadata' | 'topicOffsets'>,
  topic: string,
  timeoutMs: number,
  open: () => boolean = () => true,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
    const metadata = await driver.topicMetadata(topic).catch(() => undefined);
    if (metadata?.partitions.every((p) => p.leader >= 0)) {
      const served = await driver.topicOffsets(topic).then(
        () => true,
        () => false,
      );
      if (served) return;
    }
    if (!open() || Date.now() + delay > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
