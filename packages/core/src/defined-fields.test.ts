import { describe, expect, it } from 'vitest';
import { definedFields } from './defined-fields.ts';

describe('definedFields', () => {
  it('keeps set fields, falsy ones included, and drops undefined ones', () => {
    expect(definedFields({ a: 1, b: undefined, c: 0, d: false, e: '' })).toEqual({
      a: 1,
      c: 0,
      d: false,
      e: '',
    });
    expect({ a: 5, b: 6, ...definedFields({ a: undefined, b: 7 }) }).toEqual({ a: 5, b: 7 });
  });

  it('treats a missing object as no fields', () => {
    expect(definedFields(undefined)).toEqual({});
  });
});
