import { describe, expect, it } from 'vitest';
import { ownFetchFromEnv } from './platformatic-fetch-loop.ts';

describe('SWITCHYARD_PLATFORMATIC_FETCH', () => {
  it.each([
    [undefined, true],
    ['', true],
    ['own', true],
    ['client', false],
    [' Client ', false],
  ])('%j chooses the own fetch: %s, without a warning', (value, own) => {
    const warnings: string[] = [];
    expect(ownFetchFromEnv(value, (m) => warnings.push(m))).toBe(own);
    expect(warnings).toEqual([]);
  });

  it('warns about a value it does not know, naming the choices, and keeps the own fetch', () => {
    // A mistyped value was ignored without a word.
    const warnings: string[] = [];
    expect(ownFetchFromEnv('bogus', (m) => warnings.push(m))).toBe(true);
    expect(warnings).toEqual([
      expect.stringMatching(/^SWITCHYARD_PLATFORMATIC_FETCH="bogus" is not 'own' or 'client'/),
    ]);
  });
});
