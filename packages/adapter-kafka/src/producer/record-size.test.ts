import { describe, expect, it } from 'vitest';
import { HeaderSizes, recordSize } from './record-size.ts';

describe('recordSize', () => {
  it('counts key, value and header bytes (UTF-8) above a fixed overhead', () => {
    const base = recordSize(null, Buffer.alloc(0), {});
    expect(recordSize(Buffer.from('key'), Buffer.alloc(100), {})).toBe(base + 103);
    expect(recordSize(null, Buffer.alloc(0), { ü: 'é' })).toBe(base + 2 + 2 + 10);
  });

  it('counts the same with the sizes it remembers, as names, values and their order change', () => {
    const sizes = new HeaderSizes();
    const value = Buffer.alloc(10);
    const headers: Array<Record<string, string>> = [
      { ce_id: 'a1', ce_type: 'order.placed', 'content-type': 'application/json' },
      { ce_id: 'a2', ce_type: 'order.placed', 'content-type': 'application/json' },
      { ce_id: 'é', ce_type: 'order.placed', 'content-type': 'application/json' },
      { ce_type: 'order.placed', ce_id: 'a3', 'content-type': 'application/json' },
      { ce_id: 'a4', 'x-ü': 'order.placed', 'content-type': 'ключ' },
      { ce_id: 'a5' },
      { ce_id: 'a6', ce_type: 'order.shipped', 'content-type': 'application/json', extra: '' },
      {},
      { ce_id: 'a1', ce_type: 'order.placed', 'content-type': 'application/json' },
    ];
    for (const h of headers) {
      expect(recordSize('k', value, h, sizes)).toBe(recordSize('k', value, h));
      expect(sizes.headerCount).toBe(Object.keys(h).length);
    }
  });
});
