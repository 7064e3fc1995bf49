import { describe, expect, it } from 'vitest';
import { MessagesById } from './messages-by-id.ts';
import type { RedisMessage } from './redis-message.ts';

const message = (id: string) => ({ offset: id }) as RedisMessage;

describe('MessagesById', () => {
  it('keeps messages by entry id, counting each id once', () => {
    const m = new MessagesById();
    const a = message('1-0');
    m.set('1-0', a);
    m.set('1-0', a);
    m.set('2-0', message('2-0'));
    expect(m.size).toBe(2);
    expect(m.has('1-0')).toBe(true);
    expect(m.has('3-0')).toBe(false);
    expect(m.ids()).toEqual(['1-0', '2-0']);
    expect(m.messages().map((x) => x.offset)).toEqual(['1-0', '2-0']);
  });

  it('says whether a delete removed anything, and clears', () => {
    const m = new MessagesById();
    m.set('1-0', message('1-0'));
    m.set('2-0', message('2-0'));
    expect(m.delete('1-0')).toBe(true);
    expect(m.delete('1-0')).toBe(false);
    expect(m.size).toBe(1);
    m.clear();
    expect(m.size).toBe(0);
    expect(m.ids()).toEqual([]);
  });

  it('takes ids that are names on an object prototype', () => {
    const m = new MessagesById();
    expect(m.has('constructor')).toBe(false);
    expect(m.delete('__proto__')).toBe(false);
    m.set('__proto__', message('__proto__'));
    expect(m.has('__proto__')).toBe(true);
    expect(m.size).toBe(1);
  });
});
