import { describe, expect, it } from 'vitest';
import { DLQ_HEADERS, truncatedDeadLetter } from './dead-letter.ts';

describe('truncatedDeadLetter', () => {
  const dead = {
    topic: 'orders.dlq',
    key: 'o-1',
    id: 'e-1.billing.dlq',
    value: new Uint8Array(5_000),
    headers: {
      'x-user-note': 'n'.repeat(300),
      ce_id: 'e-1',
      ce_type: 'order.placed',
      [DLQ_HEADERS.reason]: 'decode-failed',
      [DLQ_HEADERS.originalTopic]: 'orders',
      [DLQ_HEADERS.originalOffset]: '42',
    },
  };

  it('drops the payload, records its size, and keeps dead-letter headers before envelope and user headers', () => {
    const bounded = truncatedDeadLetter(dead, 200, (name) => name.startsWith('ce_'));
    expect(bounded.value.byteLength).toBe(0);
    expect(bounded.headers).toEqual({
      [DLQ_HEADERS.truncated]: '5000',
      [DLQ_HEADERS.reason]: 'decode-failed',
      [DLQ_HEADERS.originalTopic]: 'orders',
      [DLQ_HEADERS.originalOffset]: '42',
      ce_id: 'e-1',
      ce_type: 'order.placed',
    });
    expect(bounded).toMatchObject({ topic: 'orders.dlq', key: 'o-1', id: 'e-1.billing.dlq' });
  });

  it('keeps every header when there is room', () => {
    const bounded = truncatedDeadLetter(dead, 10_000, (name) => name.startsWith('ce_'));
    expect(Object.keys(bounded.headers)).toHaveLength(7);
  });
});
