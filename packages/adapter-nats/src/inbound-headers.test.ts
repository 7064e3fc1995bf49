import { headers, MsgHdrsImpl } from '@nats-io/nats-core/internal';
import { describe, expect, it } from 'vitest';
import { fromNatsHeaders, keyOf, parseHeaderBlock } from './inbound-headers.ts';

const block = (text: string) => {
  const bytes = Buffer.from(`${text}payload`, 'utf8');
  return { bytes, length: Buffer.byteLength(text) };
};

/** What the consumer got before it read the block itself: nats.js's decode, then fromNatsHeaders. */
const viaNatsJs = (text: string) => fromNatsHeaders(MsgHdrsImpl.decode(Buffer.from(text, 'utf8')));

describe('fromNatsHeaders', () => {
  it('keeps CloudEvents and user headers with their case, and drops the headers JetStream adds', () => {
    const h = headers();
    h.set('ce-id', 'e-1');
    h.set('ce-partitionkey', 'order-7');
    h.set('traceparent', '00-abc-def-01');
    h.set('X-Tenant', 'acme');
    h.set('Nats-Msg-Id', 'e-1');
    const wire = fromNatsHeaders(h);
    expect(wire).toEqual({
      'ce-id': 'e-1',
      'ce-partitionkey': 'order-7',
      traceparent: '00-abc-def-01',
      'X-Tenant': 'acme',
    });
    expect(keyOf(wire)).toBe('order-7');
  });

  it('gives no headers and no key for a message without headers', () => {
    expect(fromNatsHeaders(undefined)).toEqual({});
    expect(keyOf({})).toBeUndefined();
  });
});

describe('parseHeaderBlock', () => {
  it('reads what nats.js reads from the block a publish sends', () => {
    const h = new MsgHdrsImpl();
    h.set('ce-id', 'e-1');
    h.set('ce-time', '2026-01-01T00:00:00.000Z');
    h.set('ce-partitionkey', 'clé 7');
    h.set('X-Tenant', '  acme  ');
    h.set('Nats-Msg-Id', 'e-1');
    const text = new TextDecoder().decode(h.encode());
    const { bytes, length } = block(text);
    expect(parseHeaderBlock(bytes, length)).toEqual(viaNatsJs(text));
    expect(Object.keys(parseHeaderBlock(bytes, length))).toEqual(Object.keys(viaNatsJs(text)));
  });

  it('skips the status line, empty lines and lines without a colon; keeps the first of a repeated name', () => {
    const text = 'NATS/1.0 100 Idle\r\na: 1\r\nno colon\r\nb:x:y\r\na: 2\r\nA: 3\r\nc:\r\n\r\n';
    const { bytes, length } = block(text);
    expect(parseHeaderBlock(bytes, length)).toEqual({ a: '1', b: 'x:y', A: '3', c: '' });
    expect(parseHeaderBlock(bytes, length)).toEqual(viaNatsJs(text));
  });

  it('trims values as nats.js does, and reads names it knows the same as others', () => {
    const text =
      'NATS/1.0\r\nce-type:  spaced \r\nce-source:\tx\t\r\ncontent-type:\u00a0json\u00a0\r\n' +
      'ce-idx: 1\r\nCe-Id: 2\r\ntraceparent: 00-a-b-01\r\nce-time: é\r\nce-subject: \r\nce-tenant:t\r\n\r\n';
    const { bytes, length } = block(text);
    expect(parseHeaderBlock(bytes, length)).toEqual(viaNatsJs(text));
    expect(Object.keys(parseHeaderBlock(bytes, length))).toEqual(Object.keys(viaNatsJs(text)));
  });

  it('reads only the header part of the message bytes, at any offset', () => {
    const text = 'NATS/1.0\r\nce-id: e-9\r\n\r\n';
    const whole = Buffer.from(`xxxx${text}{"n":1}`, 'utf8');
    expect(parseHeaderBlock(whole.subarray(4), Buffer.byteLength(text))).toEqual({ 'ce-id': 'e-9' });
  });

  it('leaves out a name nats.js would refuse instead of failing the message', () => {
    const text = 'NATS/1.0\r\nbad name: 1\r\nok: 2\r\n\r\n';
    const { bytes, length } = block(text);
    expect(parseHeaderBlock(bytes, length)).toEqual({ ok: '2' });
  });
});
