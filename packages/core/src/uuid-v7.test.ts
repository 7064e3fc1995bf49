import { describe, expect, it } from 'vitest';
import { uuidv7 } from './uuid-v7.ts';

const FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidv7', () => {
  it('has the RFC 9562 version and variant bits', () => {
    for (let i = 0; i < 1000; i++) expect(uuidv7()).toMatch(FORMAT);
  });

  it('encodes the Unix millisecond timestamp in the first 48 bits', () => {
    const ms = Date.now() + 3_600_000; // later than any id made so far in this process
    const id = uuidv7(ms);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(ms);
  });

  it('sorts in creation order, even many ids within one millisecond', () => {
    const ids = Array.from({ length: 10_000 }, () => uuidv7());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('draws new random bits each millisecond; ids of one millisecond differ by their counter', () => {
    const ms = Date.now() + 7_200_000; // later than any id made so far in this process
    const [a, b] = [uuidv7(ms), uuidv7(ms)];
    const c = uuidv7(ms + 1);
    const randomBits = (id: string) => id.slice(19);
    expect(randomBits(a)).toBe(randomBits(b));
    expect(a.slice(15, 18)).not.toBe(b.slice(15, 18));
    expect(randomBits(c)).not.toBe(randomBits(a));
  });
});
