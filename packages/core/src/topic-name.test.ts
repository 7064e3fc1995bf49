import { describe, expect, it } from 'vitest';
import { isEventBusError } from './errors.ts';
import { validateTopicName } from './topic-name.ts';

describe('validateTopicName', () => {
  it('accepts names every broker takes unchanged', () => {
    for (const ok of [
      'orders',
      'orders.dlq',
      'billing_events-v2',
      'a',
      'A.B.C',
      'x'.repeat(245),
      `${'x'.repeat(245)}.dlq`,
    ]) {
      expect(() => validateTopicName(ok)).not.toThrow();
    }
  });

  it.each([
    ['', /non-empty/],
    ['orders.*', /"\*" is not allowed/],
    ['orders.>', /">" is not allowed/],
    ['has space', /" " is not allowed/],
    ['a..b', /cannot start or end with '\.' or contain '\.\.'/],
    ['.orders', /cannot start/],
    ['orders.', /cannot start/],
    ['x'.repeat(250), /250 characters long; the limit is 249/],
    ['x'.repeat(249), /249 characters long; a topic may have at most 245 so that its dead-letter topic/],
  ])('rejects %j with a message that says why', (topic, why) => {
    try {
      validateTopicName(topic);
      expect.unreachable();
    } catch (error) {
      expect(isEventBusError(error, 'INVALID_TOPIC')).toBe(true);
      expect((error as Error).message).toMatch(why);
    }
  });
});
