import type { JsMsg } from '@nats-io/jetstream';

/** What the consumer needs of a delivery's reply subject. */
export interface DeliveryNumbers {
  readonly sequence: number;
  readonly deliveryCount: number;
}

const DOT = 46;
const ZERO = 48;
const NINE = 57;

/**
 * The stream sequence and delivery count from a JetStream reply subject, as nats.js's `parseInfo`
 * reads them (`msg.seq`, `msg.info.deliveryCount`), without splitting the subject into nine to
 * twelve strings and building its ten-field info object for every message:
 * `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<tm>.<pending>` (9 tokens) or
 * `$JS.ACK.<domain>.<hash>.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<tm>.<pending>[.<random>]`.
 * `undefined` for anything else (the caller then asks nats.js).
 */
export function parseReplySubject(reply: string): DeliveryNumbers | undefined {
  if (!reply.startsWith('$JS.ACK.')) return undefined;
  // Dots after `$JS.ACK.`: 6 in the old form, 8 or 9 in the new one.
  let dots = 0;
  for (let i = 8; i < reply.length; i++) if (reply.charCodeAt(i) === DOT) dots++;
  const before = dots === 6 ? 2 : dots === 8 || dots === 9 ? 4 : -1; // tokens before <delivered>, after $JS.ACK
  if (before < 0) return undefined;
  let at = 8;
  for (let skipped = 0; skipped < before; at++) if (reply.charCodeAt(at) === DOT) skipped++;
  const deliveryCount = readNumber(reply, at);
  if (deliveryCount === undefined) return undefined;
  const sequence = readNumber(reply, reply.indexOf('.', at) + 1);
  if (sequence === undefined) return undefined;
  return { sequence, deliveryCount };
}

/** The decimal number from `at` up to the next dot; undefined unless it is one. */
function readNumber(s: string, at: number): number | undefined {
  let value = 0;
  let i = at;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === DOT) break;
    if (c < ZERO || c > NINE) return undefined;
    value = value * 10 + (c - ZERO);
  }
  return i === at ? undefined : value;
}

/** The delivery's numbers, from its reply subject, or from nats.js where that cannot be read here. */
export function deliveryNumbers(msg: JsMsg): DeliveryNumbers {
  // JsMsgImpl has `reply` (the JsMsg type leaves it out); without it, nats.js's own parse.
  const reply = (msg as { readonly reply?: unknown }).reply;
  return (
    (typeof reply === 'string' ? parseReplySubject(reply) : undefined) ?? {
      sequence: msg.info.streamSequence,
      deliveryCount: msg.info.deliveryCount,
    }
  );
}
