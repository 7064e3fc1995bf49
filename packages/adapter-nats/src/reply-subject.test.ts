import { describe, expect, it } from 'vitest';
import { parseReplySubject } from './reply-subject.ts';

describe('reading a JetStream reply subject', () => {
  // The forms nats.js's parseInfo reads (jetstream/lib/jsmsg.js), with what it reads from them.
  it.each([
    ['$JS.ACK.orders.billing.1.42.40.1796203027123456789.7', 42, 1],
    ['$JS.ACK.orders.billing.3.1234567.99.1796203027123456789.0', 1234567, 3],
    ['$JS.ACK._.ACCHASH.orders.billing.2.42.40.1796203027123456789.7', 42, 2],
    ['$JS.ACK.hub.ACCHASH.orders.billing.1.9007199254740.40.1796203027123456789.7.xyz', 9007199254740, 1],
  ])('reads %s', (subject, sequence, deliveryCount) => {
    expect(parseReplySubject(subject)).toEqual({ sequence, deliveryCount });
  });

  it.each([
    '',
    '_INBOX.abc',
    '$JS.ACK.orders.billing.1.42',
    '$JS.ACK.orders.billing.x.42.40.1.7',
    '$JS.ACK.orders.billing.1..40.1.7',
  ])('leaves %j to nats.js', (subject) => {
    expect(parseReplySubject(subject)).toBeUndefined();
  });
});
