import type { Log } from '@switchyard/core/transport';
import type { KafkaDriver } from './driver.ts';

/**
 * Polls until every partition of a topic just made is served: the metadata names a leader for each,
 * and ListOffsets answers for them. A broker lists a new partition's leader a moment before it hosts
 * it (and the more partitions one CreateTopics request made, the longer), and a kafkajs consumer
 * that asks for offsets then rejoins its group. Resolves true once served, false when `open` turned
 * false or the time ran out (the topic exists; its first writes and fetches retry on their own).
 */
export async function waitUntilServed(
  driver: Pick<KafkaDriver, 'topicMetadata' | 'topicOffsets'>,
  topic: string,
  timeoutMs: number,
  open: () => boolean,
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
    if (!open() || Date.now() + delay > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/**
 * Waits for topics just made to be served (`waitUntilServed` each), and says in one `warn` which
 * were not by the time `timeoutMs` ran out: nothing when the driver was closed meanwhile.
 */
export async function waitUntilAllServed(
  driver: Pick<KafkaDriver, 'topicMetadata' | 'topicOffsets'>,
  topics: readonly string[],
  timeoutMs: number,
  open: () => boolean,
  log: Log,
): Promise<void> {
  const served = await Promise.all(topics.map((t) => waitUntilServed(driver, t, timeoutMs, open)));
  const late = topics.filter((_, i) => !served[i]);
  if (late.length === 0 || !open()) return;
  log(
    'warn',
    `Topic(s) ${late.join(', ')} were made, but the brokers did not answer for all their partitions (a leader for each, and their offsets) in the ${timeoutMs} ms of requestTimeoutMs. Publishes and fetches to them retry until they do; if this lasts, check the brokers.`,
  );
}
