import type { Backend, TopicInfo } from '../backends/backend.ts';
import type { CommandContext } from '../context.ts';
import { type DeadLetterEntry, deadLetterEntry } from '../dlq/dead-letter-entry.ts';
import { Journal } from '../dlq/journal.ts';

/** The dead-letter topic (exit 3 when missing), its backend and its redrive journal. */
export async function openDeadLetters(
  ctx: CommandContext,
  topic: string,
): Promise<{ backend: Backend; info: TopicInfo; journal: Journal }> {
  const backend = await ctx.backend();
  const info = await backend.describeTopic(topic);
  if (info === undefined) {
    throw await ctx.missingTopic(
      topic,
      `Dead-letter topic ${topic} does not exist on ${backend.name} (${backend.endpoint}).`,
      "Dead-letter topics are named <topic>.dlq by default; list them with `switchyard topics '*.dlq'`.",
    );
  }
  return { backend, info, journal: await Journal.load(backend, topic) };
}

/**
 * Calls `each` for every entry not yet moved by a redrive (every entry with `all`: on Kafka the
 * moved ones stay in the log; on NATS a redrive deletes them); `each` returns false to stop.
 */
export async function scanDeadLetters(
  ctx: CommandContext,
  backend: Backend,
  journal: Journal,
  topic: string,
  all: boolean,
  each: (entry: DeadLetterEntry) => boolean,
): Promise<void> {
  await backend.read(topic, { from: { kind: 'earliest' }, follow: false, signal: ctx.signal }, (raw) => {
    const entry = deadLetterEntry(raw, backend.headerPrefix);
    if (!all && journal.isMoved(raw.position, entry.event?.id)) return true;
    return each(entry);
  });
}
