import { describe, expect, it } from 'vitest';
import { headersToStrings } from './kafkajs-consumer.ts';

describe('headersToStrings', () => {
  it('turns kafkajs header Buffers into UTF-8 strings; a repeated header keeps its last value', () => {
    expect(
      headersToStrings({
        ce_id: Buffer.from('id-1'),
        'x-ü': Buffer.from('välüe'),
        repeated: [Buffer.from('first'), Buffer.from('last')],
        plain: 'already a string',
        missing: undefined,
      }),
    ).toEqual({ ce_id: 'id-1', 'x-ü': 'välüe', repeated: 'last', plain: 'already a string' });
    expect(headersToStrings(undefined)).toEqual({});
  });

  it('leaves out a header whose value is null', () => {
    const headers = { a: null, b: Buffer.from('b'), c: [Buffer.from('x'), null] } as never;
    expect(headersToStrings(headers)).toEqual({ b: 'b' });
  });

  it('decodes every event exactly while values repeat, change, and move between names', () => {
    const values = [
      '1.0',
      '1.1',
      'é',
      'e\u0301',
      '\u00e9x',
      'ab',
      'ac',
      '',
      '🚚',
      'order.placed',
      'order.placeD',
    ];
    const raw = [Buffer.from([0xff, 0x41]), Buffer.from([0xc3]), Buffer.from([0x41, 0xff])];
    for (let i = 0; i < 400; i++) {
      const pick = (n: number) => values[(i * n + (i >> 3)) % values.length]!;
      const headers: Record<string, Buffer> = {
        ce_specversion: Buffer.from(pick(1)),
        [i % 7 === 0 ? 'ce_type' : 'ce_source']: Buffer.from(pick(3)),
        bytes: raw[i % raw.length]!,
        ce_time: Buffer.from(pick(5)),
      };
      const expected = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.toString('utf8')]));
      expect(headersToStrings(headers)).toEqual(expected);
    }
  });
});
