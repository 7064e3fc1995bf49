import { describe, expect, it } from 'vitest';
import { recordSize } from './record-size.ts';

describe('recordSize', () => {
  it('counts key, value and header bytes (UTF-8) above a fixed overhead', () => {
    const base = recordSize(null, Buffer.alloc(0), {});
    expect(recordSize(Buffer.from('key'), Buffer.alloc(100), {})).toBe(base + 103);
    expect(recordSize(null, Buffer.alloc(0), { ü: 'é' })).toBe(base + 2 + 2 + 10);
  });
});
