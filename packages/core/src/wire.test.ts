import { describe, expect, it } from 'vitest';
import { jsonCodec } from './codec.ts';
import type { EventEnvelope } from './envelope.ts';
import { isEventBusError } from './errors.ts';
import { fromWire, type HeaderTally, toWire, wireHeaders } from './wire.ts';

const codecs = new Map([[jsonCodec.contentType, jsonCodec]]);
const envelope: EventEnvelope = {
  id: '0190f3c4-0000-7000-8000-000000000001',
  type: 'order.placed',
  source: 'orders-svc',
  specversion: '1.0',
  time: '2026-11-24T08:00:00.000Z',
  subject: 'orders/o-1',
  datacontenttype: 'application/json',
  key: 'o-1',
  tenant: 't-1',
  correlationid: 'c-1',
  headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'x-user': 'u' },
  data: { orderId: 'o-1', total: 42 },
};

/** What the publisher's size check counted before the tally: every name and value, after the fact. */
function charsOf(headers: Record<string, string>): number {
  let chars = 0;
  for (const name in headers) chars += name.length + headers[name]!.length;
  return chars;
}

describe("wireHeaders' tally", () => {
  const tally: HeaderTally = { chars: 0 };
  it('is the length of the names and values of the headers just built', () => {
    for (const keyHeader of [true, false]) {
      const headers = wireHeaders(envelope, 'ce_', keyHeader, tally);
      expect(tally.chars).toBe(charsOf(headers));
    }
    const bare: EventEnvelope = { ...envelope, headers: {} };
    delete (bare as { subject?: string }).subject;
    const bareHeaders = wireHeaders(bare, 'ce-', true, tally);
    expect(tally.chars).toBe(charsOf(bareHeaders));
  });

  it('counts a user header with an attribute name once, as it travels (overwritten)', () => {
    const shadowing = { ...envelope, headers: { ce_id: 'user-id', 'content-type': 'text/plain', x: 'y' } };
    const headers = wireHeaders(shadowing, 'ce_', true, tally);
    expect(headers.ce_id).toBe(envelope.id);
    expect(tally.chars).toBe(charsOf(headers));
  });
});

describe('wire format (CloudEvents binary content mode)', () => {
  it('maps attributes to prefixed headers, as the Kafka binding names them', () => {
    const wire = toWire(envelope, jsonCodec, 'ce_');
    expect(wire.headers).toEqual({
      ce_id: envelope.id,
      ce_type: 'order.placed',
      ce_source: 'orders-svc',
      ce_specversion: '1.0',
      ce_time: envelope.time,
      ce_subject: 'orders/o-1',
      ce_partitionkey: 'o-1',
      ce_tenant: 't-1',
      ce_correlationid: 'c-1',
      'content-type': 'application/json',
      traceparent: envelope.headers.traceparent,
      'x-user': 'u',
    });
    expect(JSON.parse(Buffer.from(wire.value).toString())).toEqual(envelope.data);
  });

  it('reads back exactly what it wrote, for either prefix', () => {
    for (const prefix of ['ce_', 'ce-']) {
      const wire = toWire(envelope, jsonCodec, prefix);
      expect(fromWire({ ...wire, key: undefined }, codecs, prefix)).toEqual(envelope);
    }
  });

  it('leaves the key to the broker when it carries one natively (Kafka message key)', () => {
    const wire = toWire(envelope, jsonCodec, 'ce_', false);
    expect(wire.headers.ce_partitionkey).toBeUndefined();
    expect(fromWire({ ...wire, key: 'o-1' }, codecs, 'ce_')).toEqual(envelope);
  });

  it('takes the key from the message key when the partitionkey header is absent', () => {
    const { ce_partitionkey: _dropped, ...headers } = toWire(envelope, jsonCodec, 'ce_').headers;
    const read = fromWire(
      { value: toWire(envelope, jsonCodec, 'ce_').value, headers, key: 'from-message' },
      codecs,
      'ce_',
    );
    expect(read.key).toBe('from-message');
  });

  it('fails to decode with DECODE_FAILED, never a crash', () => {
    const wire = toWire(envelope, jsonCodec, 'ce_');
    const cases = [
      { value: Buffer.from('{not json'), headers: wire.headers, key: undefined },
      { value: wire.value, headers: { 'content-type': 'application/json' }, key: undefined },
      {
        value: wire.value,
        headers: { ...wire.headers, 'content-type': 'application/x-unknown' },
        key: undefined,
      },
    ];
    for (const message of cases) {
      try {
        fromWire(message, codecs, 'ce_');
        expect.unreachable();
      } catch (error) {
        expect(isEventBusError(error, 'DECODE_FAILED')).toBe(true);
      }
    }
  });
});
