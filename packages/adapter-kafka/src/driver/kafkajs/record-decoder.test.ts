import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import './kafkajs-encoder-patch.ts';
import { pristineKafkajs } from '../../test-support/pristine-kafkajs.ts';
import { decodeRecord, type RecordBatchContext, type RecordDecoderFn } from './record-decoder.ts';

const require = createRequire(import.meta.url);

type BatchDecoder = (decoder: unknown) => Promise<{ records: unknown[] }>;

/** kafkajs' own record and batch decoders (the header decoder is reloaded so they use the pristine one). */
function pristineDecoders(): { RecordDecoder: RecordDecoderFn; BatchDecoder: BatchDecoder } {
  const [BatchDecoder, RecordDecoder] = pristineKafkajs([
    'protocol/recordBatch/v0/decoder.js',
    'protocol/recordBatch/record/v0/decoder.js',
    'protocol/recordBatch/header/v0/decoder.js',
  ]);
  return { BatchDecoder: BatchDecoder as BatchDecoder, RecordDecoder: RecordDecoder as RecordDecoderFn };
}

const pristine = pristineDecoders();
const patched = {
  RecordDecoder: require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as RecordDecoderFn,
  BatchDecoder: require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as BatchDecoder,
};
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (
  buffer: Buffer,
) => {
  buffer: Buffer;
  offset: number;
};
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: (input: Record<string, unknown>) => Promise<{ buffer: Buffer }>;
};
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (
  input: Record<string, unknown>,
) => unknown;

/** A zigzag varint of any size (kafkajs' writer is limited to what it encodes itself). */
function varint(value: bigint): Buffer {
  let v = value >= 0n ? value << 1n : (-value << 1n) - 1n;
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}
const bytes = (b: Buffer | null) => (b === null ? varint(-1n) : Buffer.concat([varint(BigInt(b.length)), b]));

interface RawRecord {
  attributes?: number;
  timestampDelta?: bigint;
  offsetDelta?: bigint;
  key?: Buffer | null;
  value?: Buffer | null;
  headers?: Array<[string | null, Buffer | null]> | null;
}

/** A record's bytes after its length prefix, written by hand so that odd inputs can be made. */
function rawRecord(r: RawRecord): Buffer {
  const headers = r.headers === null ? [varint(-1n)] : [varint(BigInt(r.headers?.length ?? 0))];
  for (const [name, value] of r.headers ?? []) {
    headers.push(bytes(name === null ? null : Buffer.from(name)), bytes(value));
  }
  return Buffer.concat([
    Buffer.from([r.attributes ?? 0]),
    varint(r.timestampDelta ?? 0n),
    varint(r.offsetDelta ?? 0n),
    bytes(r.key === undefined ? Buffer.from('k') : r.key),
    bytes(r.value === undefined ? Buffer.from('v') : r.value),
    ...headers,
  ]);
}

const context = (over: Partial<RecordBatchContext> = {}): RecordBatchContext => ({
  firstOffset: '1200',
  firstTimestamp: '1767225600000',
  maxTimestamp: '1767225600999',
  magicByte: 2,
  isControlBatch: false,
  timestampType: 0,
  ...over,
});

/** Both decoders on the same bytes: the same record, or the same error. */
function expectSameRecord(buffer: Buffer, ctx: RecordBatchContext | undefined): void {
  const run = (decode: RecordDecoderFn) => {
    const decoder = new Decoder(buffer);
    try {
      return { record: decode(decoder, ctx), offset: decoder.offset };
    } catch (error) {
      return { error: String(error) };
    }
  };
  expect(run(patched.RecordDecoder)).toEqual(run(pristine.RecordDecoder));
}

const ce: Array<[string, Buffer]> = [
  ['ce_specversion', Buffer.from('1.0')],
  ['ce_id', Buffer.from('0190f3c4-0000-7000-8000-000000000001')],
  ['ce_type', Buffer.from('order.placed')],
  ['ce_source', Buffer.from('/orders')],
  ['ce_time', Buffer.from('2026-11-24T13:00:00.000Z')],
  ['content-type', Buffer.from('application/json')],
];

describe('fast record decoder', () => {
  it('is installed in front of kafkajs, and decodes a CloudEvents record itself', () => {
    expect(patched.RecordDecoder).not.toBe(pristine.RecordDecoder);
    const record = decodeRecord(new Decoder(rawRecord({ headers: ce, offsetDelta: 3n })), context());
    expect(record?.offset).toBe('1203');
    expect(record?.headers.ce_type).toEqual(Buffer.from('order.placed'));
  });

  it('decodes records as kafkajs does: headers, nulls, repeats, unicode, deltas, contexts', () => {
    const records: RawRecord[] = [
      {},
      { headers: ce, offsetDelta: 7n, timestampDelta: 12n },
      { key: null, value: null, headers: null },
      { key: Buffer.alloc(0), value: Buffer.alloc(0), headers: [] },
      { attributes: 0xff, headers: [['x', null]] },
      {
        headers: [
          ['dup', Buffer.from('a')],
          ['dup', Buffer.from('b')],
          ['dup', null],
          ['dup', Buffer.from('d')],
        ],
      },
      {
        headers: [
          ['a', Buffer.from('1')],
          ['1', Buffer.from('n')],
          ['a', Buffer.from('2')],
        ],
      },
      {
        headers: [
          [null, Buffer.from('nameless')],
          ['null', Buffer.from('named null')],
        ],
      },
      {
        headers: [
          ['größe', Buffer.from('grün')],
          ['🚚', Buffer.from('🚚 delivered')],
        ],
      },
      { headers: [['constructor', Buffer.from('inherited')]] },
      {
        headers: [
          ['__proto__', Buffer.from('p')],
          ['toString', Buffer.from('t')],
        ],
      },
      {
        headers: [
          ['x'.repeat(200), Buffer.from('long name')],
          ['y', Buffer.alloc(70_000, 1)],
        ],
      },
      { headers: Array.from({ length: 20 }, (_, i): [string, Buffer] => [`h${i}`, Buffer.from(String(i))]) },
      {
        headers: [
          ...Array.from({ length: 17 }, (_, i): [string, Buffer] => [`h${i}`, Buffer.from(String(i))]),
          ['valueOf', Buffer.from('inherited, past the cached positions')],
        ],
      },
      { offsetDelta: -2n, timestampDelta: -2n },
      { offsetDelta: 2n ** 27n - 1n, timestampDelta: -(2n ** 27n) },
      { offsetDelta: 2n ** 27n, timestampDelta: 2n ** 27n },
      { offsetDelta: 2n ** 31n - 1n, timestampDelta: 2n ** 40n + 7n },
      { timestampDelta: -(2n ** 62n) },
    ];
    const contexts: Array<RecordBatchContext | undefined> = [
      context(),
      context({ firstOffset: '0', firstTimestamp: '-1' }),
      context({ timestampType: 1 }),
      context({ timestampType: 1, maxTimestamp: '' }),
      context({ isControlBatch: true, magicByte: undefined }),
      context({ firstOffset: String(2 ** 53 - 5) }),
      context({ firstOffset: '9223372036854775800', firstTimestamp: '9223372036854775000' }),
      context({ firstOffset: '00012' }),
      {},
      undefined,
    ];
    for (const ctx of contexts) for (const r of records) expectSameRecord(rawRecord(r), ctx);
    // Most of these take the fast path (the comparison above is not only kafkajs against itself).
    const fast = records.filter((r) => decodeRecord(new Decoder(rawRecord(r)), context()) !== undefined);
    expect(fast.length).toBe(records.length - 6); // inherited names, five-byte varints
  });

  it('reuses a header name only when its bytes match', () => {
    const ctx = context();
    for (const names of [
      ['ce_id', 'ce_type'],
      ['ce_ie', 'ce_typ'],
      ['ce_id', 'ce_type'],
      ['größe', 'grün'],
    ]) {
      const headers = names.map((n): [string, Buffer] => [n, Buffer.from('v')]);
      expectSameRecord(rawRecord({ headers }), ctx);
    }
  });

  it('hands truncated and malformed records to kafkajs, which answers as it always did', () => {
    const whole = rawRecord({ headers: ce });
    for (let cut = 0; cut < whole.length; cut += 3) expectSameRecord(whole.subarray(0, cut), context());
    expectSameRecord(Buffer.concat([Buffer.from([0]), varint(2n ** 40n)]), context());
    expectSameRecord(Buffer.from([0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f]), context());
    expectSameRecord(Buffer.concat([Buffer.from([0, 0, 0]), varint(-5n)]), context());
  });

  it('decodes whole batches, plain and gzipped, as kafkajs does', async () => {
    const records = Array.from({ length: 500 }, (_, i) =>
      Record({
        offsetDelta: i,
        timestampDelta: i * 3,
        key: Buffer.from(`k${i % 17}`),
        value: Buffer.from(`{"n":${i}}`),
        headers: Object.fromEntries(ce.map(([n, v]) => [n, i % 50 === 0 ? Buffer.from(`${v}-${i}`) : v])),
      }),
    );
    for (const compression of [0, 1]) {
      const { buffer } = await RecordBatch({
        compression,
        firstOffset: '41000',
        firstTimestamp: 1_767_225_600_000,
        maxTimestamp: 1_767_225_602_000,
        lastOffsetDelta: 499,
        records,
      });
      const [fast, slow] = await Promise.all([
        patched.BatchDecoder(new Decoder(buffer)),
        pristine.BatchDecoder(new Decoder(buffer)),
      ]);
      expect(fast.records).toHaveLength(500);
      expect(fast).toEqual(slow);
    }
  });
});
