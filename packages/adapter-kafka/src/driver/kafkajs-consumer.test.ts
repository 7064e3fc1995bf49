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
});
