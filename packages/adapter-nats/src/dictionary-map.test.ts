import { MuxSubscription, Subscriptions } from '@nats-io/nats-core/internal';
import { describe, expect, it } from 'vitest';
import { DictionaryMap } from './dictionary-map.ts';
import { patchNatsCore } from './nats-core-patches.ts';

describe('DictionaryMap', () => {
  it('does the Map work nats.js asks of its request table', () => {
    const table = new DictionaryMap<string, string>();
    table.set('a', 'first').set('b', 'second');
    table.set('a', 'again');
    expect(table.size).toBe(2);
    expect(table.get('a')).toBe('again');
    expect(table.get('zz')).toBeUndefined();
    expect([...table.values()].sort()).toEqual(['again', 'second']);
    const seen: string[] = [];
    table.forEach((value, token) => {
      seen.push(`${token}=${value}`);
    });
    expect(seen.sort()).toEqual(['a=again', 'b=second']);
    expect(table.delete('a')).toBe(true);
    expect(table.delete('a')).toBe(false);
    expect(table.size).toBe(1);
    // Tokens that look like object members are plain keys.
    table.set('constructor', 'c');
    table.set('__proto__', 'p');
    expect(table.get('constructor')).toBe('c');
    expect(table.get('__proto__')).toBe('p');
    expect(table.size).toBe(3);
  });

  it('keeps only requests in flight after many come and go (the swing of pipelined publishes)', () => {
    const table = new DictionaryMap<string, number>();
    for (let i = 0; i < 10_000; i++) {
      table.set(`t${i}`, i);
      if (i >= 3) table.delete(`t${i - 3}`);
    }
    expect(table.size).toBe(3);
    expect([...table.values()]).toEqual([9_997, 9_998, 9_999]);
  });

  it("becomes nats.js's request table once the connection sets up its inbox", () => {
    expect(patchNatsCore()).toBe(true);
    const mux = new MuxSubscription();
    mux.init('_INBOX');
    const request = { token: 'abc', received: 0 } as unknown as Parameters<MuxSubscription['add']>[0];
    mux.add(request);
    expect((mux as unknown as { reqs: unknown }).reqs).toBeInstanceOf(DictionaryMap);
    expect(mux.size()).toBe(1);
    expect(mux.get('abc')).toBe(request);
    expect(mux.all()).toEqual([request]);
    mux.cancel(request);
    expect(mux.size()).toBe(0);
  });

  it("becomes nats.js's subscriptions table at the first subscription, sids in order", () => {
    expect(patchNatsCore()).toBe(true);
    const subscriptions = new Subscriptions();
    const closed: number[] = [];
    const make = () => {
      const s = { sid: 0, close: () => closed.push(s.sid) };
      return s;
    };
    type Sub = Parameters<Subscriptions['add']>[0];
    const [a, b, c] = [make(), make(), make()].map((s) => subscriptions.add(s as unknown as Sub));
    expect((subscriptions as unknown as { subs: unknown }).subs).toBeInstanceOf(DictionaryMap);
    expect(subscriptions.size()).toBe(3);
    expect(subscriptions.get(2)).toBe(b);
    subscriptions.cancel(b!);
    expect(closed).toEqual([2]);
    expect(subscriptions.all()).toEqual([a, c]);
    subscriptions.resub(a!);
    expect(subscriptions.all().map((s) => s.sid)).toEqual([3, 4]);
  });
});
