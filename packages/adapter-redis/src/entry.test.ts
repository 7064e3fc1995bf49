import { describe, expect, it } from 'vitest';
import { decodeEntry, EntryDecoder } from './entry.ts';

const bytes = (fields: readonly string[]) => fields.map((f) => Buffer.from(f, 'utf8'));

describe('decodeEntry', () => {
  it('reads the fields back into headers and data', () => {
    const decoded = decodeEntry(bytes(['ce_id', 'e-1', 'x-note', 'ünï', 'data', '{"n":1}']));
    expect(decoded.headers).toEqual({ ce_id: 'e-1', 'x-note': 'ünï' });
    expect(decoded.value.toString()).toBe('{"n":1}');
  });

  it('decodes an entry someone else wrote: no data field, a repeated field, an odd field out', () => {
    expect(decodeEntry(bytes(['a', '1', 'a', '2', 'b']))).toEqual({
      headers: { a: '1' },
      value: Buffer.alloc(0),
    });
  });
});

describe('EntryDecoder', () => {
  it('decodes entry after entry alike, whether fields repeat, change or move', () => {
    const decoder = new EntryDecoder();
    const entries = [
      ['ce_id', 'a-1', 'ce_type', 'item', 'data', 'x'],
      ['ce_id', 'a-2', 'ce_type', 'item', 'data', 'y'],
      ['ce_id', 'a-3', 'ce_type', 'other', 'data', 'z'],
      ['ce_type', 'item', 'ce_id', 'a-4', 'ünï', 'çødé', 'data', 'w'],
      ['ce_id', 'a-5', 'ce_type', 'item', 'data', 'v'],
    ];
    for (const fields of entries) expect(decoder.decode(bytes(fields))).toEqual(decodeEntry(bytes(fields)));
  });

  it('keeps no view of the received bytes', () => {
    const decoder = new EntryDecoder();
    const received = Buffer.from('ce_typeitem');
    const fields = [received.subarray(0, 7), received.subarray(7)];
    expect(decoder.decode([...fields, Buffer.from('data'), Buffer.from('x')]).headers).toEqual({
      ce_type: 'item',
    });
    received.fill(0);
    expect(decoder.decode(bytes(['ce_type', 'item', 'data', 'x'])).headers).toEqual({ ce_type: 'item' });
  });
});
