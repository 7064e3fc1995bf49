import { isEventBusError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { durableNameFor, streamNameFor, validateNatsTopic } from './names.ts';

function rejection(topic: string): string {
  try {
    validateNatsTopic(topic);
  } catch (error) {
    if (isEventBusError(error, 'INVALID_TOPIC')) return error.message;
    throw error;
  }
  throw new Error(`expected ${topic} to be rejected`);
}

describe('validateNatsTopic', () => {
  it('accepts a plain dotted subject', () => {
    expect(() => validateNatsTopic('orders.placed.v1')).not.toThrow();
    expect(() => validateNatsTopic('orders_dlq-2')).not.toThrow();
  });

  it.each(['orders.*', 'orders.>', '>', 'a*b'])(
    'rejects the wildcard in %s instead of widening a subscription',
    (topic) => {
      expect(rejection(topic)).toMatch(/wildcard/);
    },
  );

  it.each(['$JS.API.x', 'a.$SYS'])('rejects the reserved $ token in %s', (topic) => {
    expect(rejection(topic)).toMatch(/reserved/);
  });

  it.each(['orders placed', 'orders.\tx'])('rejects whitespace in %j', (topic) => {
    expect(rejection(topic)).toMatch(/whitespace/);
  });

  it.each(['.orders', 'orders.', 'a..b', ''])('rejects the empty token in %j', (topic) => {
    expect(rejection(topic)).toMatch(/empty|non-empty/);
  });

  it.each(['_INBOX.abc', '_INBOX'])('rejects the reply subject %s', (topic) => {
    expect(rejection(topic)).toMatch(/_INBOX/);
  });
});

describe('streamNameFor', () => {
  it('writes dots as underscores and adds the prefix', () => {
    expect(streamNameFor('orders.placed')).toBe('orders_placed');
    expect(streamNameFor('orders.placed', 'sy-')).toBe('sy-orders_placed');
  });

  it('keeps long names within bounds and distinct', () => {
    const a = streamNameFor(`${'a'.repeat(240)}.x`);
    const b = streamNameFor(`${'a'.repeat(240)}.y`);
    expect(a.length).toBeLessThanOrEqual(200);
    expect(a).not.toBe(b);
  });
});

describe('durableNameFor', () => {
  it('uses a valid group name as it is', () => {
    expect(durableNameFor('billing')).toBe('billing');
  });

  it('replaces characters durable names cannot hold and keeps such groups apart', () => {
    const dotted = durableNameFor('billing.eu');
    expect(dotted).toMatch(/^billing_eu_[0-9a-f]{8}$/);
    expect(dotted).not.toBe(durableNameFor('billing_eu'));
    expect(dotted).not.toBe(durableNameFor('billing eu'));
  });
});
