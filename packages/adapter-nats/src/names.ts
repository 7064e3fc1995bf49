import { createHash } from 'node:crypto';
import { EventBusError } from '@switchyard/core';
import { validateTopicName } from '@switchyard/core/transport';

/** Subject prefixes the NATS client and server keep for themselves: request replies and system subjects. */
const RESERVED_PREFIXES = ['_INBOX.', '_INBOX_', '_R_.'];
/** Longest stream or consumer name we produce: names become file names under the store directory. */
const MAX_NAME = 200;

/**
 * NATS rules on top of core's portable ones: a topic is one literal subject, never a wildcard
 * (`*`, `>`), never a reserved `$…` or `_INBOX…` subject, without spaces or empty tokens.
 * Throws EventBusError('INVALID_TOPIC').
 */
export function validateNatsTopic(topic: string): void {
  if (typeof topic === 'string') {
    // Core checks the character set too; repeating the NATS-specific reasons gives a clearer message.
    for (const token of topic.split('.')) {
      if (token === '*' || token === '>' || /[*>]/.test(token)) {
        throw invalid(
          topic,
          "NATS wildcards '*' and '>' would widen a subscription to many subjects; name one subject",
        );
      }
      if (token.startsWith('$'))
        throw invalid(
          topic,
          "tokens starting with '$' are reserved for NATS system subjects ($JS, $SYS, $KV …)",
        );
      if (/\s/.test(token)) throw invalid(topic, 'NATS subjects cannot contain whitespace');
      if (token.length === 0)
        throw invalid(topic, "empty token: '.' separates tokens, so no leading, trailing or doubled '.'");
    }
  }
  validateTopicName(topic);
  if (RESERVED_PREFIXES.some((prefix) => topic.startsWith(prefix) || `${topic}.` === prefix)) {
    throw invalid(topic, "'_INBOX' subjects carry request replies; choose another name");
  }
}

/**
 * The stream that holds a topic: `<prefix><topic>` with `.` written as `_` (stream names cannot
 * contain `.`). `orders.placed` → `orders_placed`. Two topics that differ only in `.` versus `_`
 * would share a name; topic admin detects that and reports TOPIC_MISMATCH instead of mixing them.
 */
export function streamNameFor(topic: string, prefix = ''): string {
  return bounded(`${prefix}${topic.replaceAll('.', '_')}`);
}

/**
 * The durable consumer of a group. Durable names cannot contain `.`, `*`, `>` or whitespace; such
 * characters become `_` and a short hash of the original keeps two groups from meeting on one name.
 */
export function durableNameFor(group: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(group)) return bounded(group);
  return bounded(`${group.replace(/[^A-Za-z0-9_-]/g, '_')}_${shortHash(group)}`);
}

function bounded(name: string): string {
  return name.length <= MAX_NAME ? name : `${name.slice(0, MAX_NAME - 9)}_${shortHash(name)}`;
}

function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 8);
}

function invalid(topic: string, why: string): EventBusError {
  return new EventBusError('INVALID_TOPIC', `Invalid topic name ${JSON.stringify(topic)} for NATS: ${why}.`, {
    details: { topic },
  });
}
