import { describe, expect, it } from 'vitest';
import { messageShape } from './dlq-list.ts';

describe('dlq list groups', () => {
  it('one bug is one group: numbers and ids in error messages are blanked out', () => {
    expect(messageShape('card declined for customer-89')).toBe('card declined for customer-#');
    expect(messageShape('order 01a2359a-b52c-7037-b5d1-38308add2b9a failed after 2.5 s')).toBe(
      'order <id> failed after # s',
    );
    expect(messageShape('no such key: deadbeefdeadbeef00')).toBe('no such key: <id>');
  });
});
