import { EventBusError } from './errors.ts';

const MAX_TOPIC_LENGTH = 249;
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
