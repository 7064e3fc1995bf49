import { EventBusError } from './errors.ts';

const MAX_TOPIC_LENGTH = 249;
/** The dead-letter topic `<topic>.dlq` must fit the limit too, so a topic is checked with its family. */
const DEAD_LETTER_SUFFIX = '.dlq';
export const MAX_FAMILY_TOPIC_LENGTH = MAX_TOPIC_LENGTH - DEAD_LETTER_SUFFIX.length;
const ALLOWED = /^[A-Za-z0-9._-]+$/;

/**
 * Portable topic rules: what Kafka, NATS subjects and Redis stream keys all accept unchanged.
 * Letters, digits, `.`, `_`, `-`; at most 249 characters; `.` separates tokens, so no empty token.
 * Anything else (NATS wildcards `*` `>`, spaces, slashes) is rejected rather than silently widened.
 */
export function validateTopicName(topic: unknown): asserts topic is string {
  if (typeof topic !== 'string' || topic.length === 0) {
    throw invalid(String(topic), 'a topic must be a non-empty string');
  }
  if (topic.length > MAX_TOPIC_LENGTH) {
    throw invalid(topic, `it is ${topic.length} characters long; the limit is ${MAX_TOPIC_LENGTH}`);
  }
  // Checked once for the whole family: a name publish accepts must not be refused later by a
  // subscribe because its dead-letter topic is too long. (A dead-letter topic itself is exempt.)
  if (topic.length > MAX_FAMILY_TOPIC_LENGTH && !topic.endsWith(DEAD_LETTER_SUFFIX)) {
    throw invalid(
      topic,
      `it is ${topic.length} characters long; a topic may have at most ${MAX_FAMILY_TOPIC_LENGTH} so that its ` +
        `dead-letter topic (<topic>${DEAD_LETTER_SUFFIX}) fits the ${MAX_TOPIC_LENGTH}-character limit`,
    );
  }
  if (!ALLOWED.test(topic)) {
    const bad = [...topic].find((ch) => !/[A-Za-z0-9._-]/.test(ch)) ?? '?';
    throw invalid(
      topic,
      `character ${JSON.stringify(bad)} is not allowed (use letters, digits, '.', '_' and '-')`,
    );
  }
  if (topic.startsWith('.') || topic.endsWith('.') || topic.includes('..')) {
    throw invalid(topic, "'.' separates tokens, so a topic cannot start or end with '.' or contain '..'");
  }
}

function invalid(topic: string, why: string): EventBusError {
  return new EventBusError('INVALID_TOPIC', `Invalid topic name ${JSON.stringify(topic)}: ${why}.`, {
    details: { topic },
  });
}
