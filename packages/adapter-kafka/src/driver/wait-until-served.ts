import type { Log } from '@switchyard/core/transport';
import type { KafkaDriver } from './driver.ts';

/**
 * Polls until every partition of a topic just made is served: the metadata names a leader for each,
 * and ListOffsets answers for them. A broker lists a new partition's leader a moment before it hosts
 * it (and the more partitions one CreateTopics request made, the longer), and a kafkajs consumer
 * that asks for offsets then rejoins its group. Resolves true once served, false when `open` turned
 * false or at the deadline, which `log` hears of at `warn`: the topic exists, and its first writes
 * and fetches retry on their own until its leaders serve it.
 */
export async function waitUntilServed(
  driver: Pick<KafkaDriver, 'topicMetadata' | 'topicOffsets'>,
  topic: string,
  timeoutMs: number,
  open: () => boolean = () => true,
  log?: Log,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
    const metadata = await driver.topicMetadata(topic).catch(() => undefined);
    if (metadata?.partitions.every((p) => p.leader >= 0)) {
      const served = await driver.topicOffsets(topic).then(
        () => true,
        () => false,
      );
      if (served) return true;
    }
    if (!open()) return false;
    if (Date.now() + delay > deadline) {
      log?.(
        'warn',
        `Topic ${topic} was made, but its leaders did not serve all its partitions within ${timeoutMs} ms (requestTimeoutMs). Publishes and fetches to it retry until they do; if this lasts, check the brokers' logs.`,
      );
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
