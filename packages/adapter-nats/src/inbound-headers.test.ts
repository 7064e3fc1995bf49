import { headers } from '@nats-io/nats-core';
import { describe, expect, it } from 'vitest';
import { fromNatsHeaders, keyOf } from './inbound-headers.ts';

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
