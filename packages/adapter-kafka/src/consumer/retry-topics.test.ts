import type { InboundMessage } from '@switchyard/core/transport';
import { describe, expect, it } from 'vitest';
import {
  parseParked,
  RETRY_HEADERS,
  retryFetchEveryMs,
  retryTopicName,
  tierFor,
  tierLabel,
  toRetryMessage,
} from './retry-topics.ts';

const tiers = [1000, 10_000, 60_000, 600_000];

describe('retry topics', () => {
  it('puts a delay in the smallest tier that is not shorter, else the longest', () => {
    expect(tierFor(1, tiers)).toBe(1000);
    expect(tierFor(1000, tiers)).toBe(1000);
    expect(tierFor(1001, tiers)).toBe(10_000);
    expect(tierFor(3_600_000, tiers)).toBe(600_000);
  });

  it('names tiers in whole units', () => {
    expect(tiers.map(tierLabel)).toEqual(['1s', '10s', '1m', '10m']);
    expect(tierLabel(1500)).toBe('1500ms');
    expect(tierLabel(7_200_000)).toBe('2h');
    expect(retryTopicName('orders', 10_000)).toBe('orders.retry.10s');
  });

  it('fetches retry topics every tenth of the shortest tier, at most every 100 ms', () => {
    expect(retryFetchEveryMs(tiers)).toBe(100);
    expect(retryFetchEveryMs([500, 5000])).toBe(50);
    expect(retryFetchEveryMs([5])).toBe(1);
  });

  it('parks an event with its key, value and headers and reads it back', () => {
    const message = {
      topic: 'orders',
      key: 'o-1',
      value: Buffer.from('{}'),
      headers: { ce_id: 'id-1', 'x-user': 'u' },
      attempt: 2,
      partition: 3,
      offset: '42',
      ack: () => {},
      nack: () => {},
    } satisfies InboundMessage;
    const parked = toRetryMessage(
      message,
      { topic: 'orders', partition: 3, offset: '42' },
      { group: 'billing', tierMs: 10_000, dueAt: 123, attempt: 3 },
    );
    expect(parked).toMatchObject({ topic: 'orders.retry.10s', key: 'o-1', id: 'id-1' });
    expect(parked.headers[RETRY_HEADERS.attempt]).toBe('3');
    const back = parseParked(parked.headers)!;
    expect(back).toEqual({
      group: 'billing',
      dueAt: 123,
      attempt: 3,
      origin: { topic: 'orders', partition: 3, offset: '42' },
      headers: { ce_id: 'id-1', 'x-user': 'u' },
    });
  });

  it('does not mistake an ordinary record for a parked one', () => {
    expect(parseParked({ ce_id: 'x' })).toBeUndefined();
  });
});
