import { compressionsAlgorithms } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { decompressWithClient } from '../platformatic/platformatic-fetch.ts';
import { crc32c } from './crc32c.ts';
import { type BatchProducer, batchRecords, NO_PRODUCER, recordBatch } from './record-batch.ts';
import { CorruptBatchError, decodeRecordBatches } from './record-batch-decoder.ts';

const TIMESTAMP = 1_700_000_000_123;
const HEADERS = { ce_id: 'a', ce_type: 'é', ce_source: '/s', ce_specversion: '1.0' };

function records(n: number, size = 10) {
  return Array.from({ length: n }, (_, i) => ({
    partition: 0,
    key: i % 2 === 0 ? Buffer.from(`k${i}`) : null,
    value: Buffer.alloc(size, i),
    headers: { ...HEADERS, ce_id: `id-${i}` },
  }));
}

/** A batch from Switchyard's encoder at `baseOffset` (as a broker stores it), the CRC unchanged (it does not cover the offset). */
async function batchAt(
  baseOffset: bigint,
  n: number,
  options: {
    codec?: keyof typeof compressionsAlgorithms;
    producer?: BatchProducer;
    transactional?: boolean;
  } = {},
): Promise<Buffer> {
  const codec = options.codec === undefined ? undefined : compressionsAlgorithms[options.codec];
  const batch = Buffer.from(
    await recordBatch(
      batchRecords(
        records(n),
        TIMESTAMP,
        codec === undefined
          ? undefined
          : { bits: codec.bitmask, compress: (d) => codec.compressSync(d), sync: true },
      ),
      options.producer ?? NO_PRODUCER,
    ),
  );
  batch.writeBigInt64BE(baseOffset, 0);
  if (options.transactional === true) setAttributes(batch, batch.readInt16BE(21) | 0b1_0000);
  return batch;
}

function setAttributes(batch: Buffer, attributes: number): void {
  batch.writeInt16BE(attributes, 21);
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
}

/** A control batch (commit or abort marker) of the producer at `offset`. */
function controlBatch(offset: bigint, producerId: bigint, type: 0 | 1): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(type, 2);
  const body = Buffer.from([
    2 * 12, // record length (zigzag)
    0, // attributes
    0, // timestamp delta
    0, // offset delta
    2 * 4, // key length
    ...key,
    2 * 6, // value length
    0,
    0,
    0,
    0,
    0,
    0,
    0, // header count
  ]);
  const batch = Buffer.alloc(61 + body.length);
  body.copy(batch, 61);
  batch.writeBigInt64BE(offset, 0);
  batch.writeInt32BE(batch.length - 12, 8);
  batch[16] = 2;
  batch.writeInt32BE(0, 23);
  batch.writeBigInt64BE(BigInt(TIMESTAMP), 27);
  batch.writeBigInt64BE(BigInt(TIMESTAMP), 35);
  batch.writeBigInt64BE(producerId, 43);
  batch.writeInt32BE(1, 57);
  setAttributes(batch, 0b11_0000); // control, transactional
  return batch;
}

describe('decodeRecordBatches', () => {
  it('reads records with string headers, keys and values as views, offsets and timestamps', async () => {
    const bytes = await batchAt(40n, 3);
    const { messages, next, batches } = decodeRecordBatches(bytes, 40n, null, decompressWithClient);
    expect(batches).toBe(1);
    expect(next).toBe(43n);
    expect(messages.map((m) => [m.offset, m.key?.toString() ?? null, m.value?.[0], m.timestamp])).toEqual([
      ['40', 'k0', 0, String(TIMESTAMP)],
      ['41', null, 1, String(TIMESTAMP)],
      ['42', 'k2', 2, String(TIMESTAMP)],
    ]);
    expect(messages[1]!.headers).toEqual({ ...HEADERS, ce_id: 'id-1' });
    expect(messages[0]!.value!.buffer).toBe(bytes.buffer);
  });

  it('leaves out records before the fetched offset and control batches, whose offsets still count', async () => {
    const bytes = Buffer.concat([await batchAt(10n, 3), controlBatch(13n, 7n, 1), await batchAt(14n, 2)]);
    const { messages, next } = decodeRecordBatches(bytes, 11n, null, decompressWithClient);
    expect(messages.map((m) => m.offset)).toEqual(['11', '12', '14', '15']);
    expect(next).toBe(16n);
    const onlyControl = decodeRecordBatches(controlBatch(13n, 7n, 1), 13n, null, decompressWithClient);
    expect(onlyControl).toMatchObject({ messages: [], next: 14n, batches: 1 });
  });

  it('ignores a batch cut short at the end: next is after the last whole batch', async () => {
    const whole = await batchAt(0n, 2);
    const cut = (await batchAt(2n, 5)).subarray(0, 80);
    const { messages, next, batches } = decodeRecordBatches(
      Buffer.concat([whole, cut]),
      0n,
      null,
      decompressWithClient,
    );
    expect(batches).toBe(1);
    expect(messages).toHaveLength(2);
    expect(next).toBe(2n);
    expect(decodeRecordBatches(cut, 2n, null, decompressWithClient)).toMatchObject({ batches: 0, next: 2n });
  });

  it.each(['gzip', 'snappy', 'lz4', 'zstd'] as const)(
    'decompresses %s with the client codecs',
    async (codec) => {
      const bytes = await batchAt(100n, 4, { codec });
      expect(bytes.readInt16BE(21) & 0b111).toBe(compressionsAlgorithms[codec].bitmask);
      const { messages, next } = decodeRecordBatches(bytes, 101n, null, decompressWithClient);
      expect(messages.map((m) => m.offset)).toEqual(['101', '102', '103']);
      expect(messages[2]!.headers.ce_id).toBe('id-3');
      expect(next).toBe(104n);
    },
  );

  it('fails clearly on a CRC mismatch', async () => {
    const bytes = await batchAt(5n, 2);
    bytes[bytes.length - 1]! ^= 0xff;
    expect(() => decodeRecordBatches(bytes, 5n, null, decompressWithClient)).toThrow(CorruptBatchError);
    expect(() => decodeRecordBatches(bytes, 5n, null, decompressWithClient)).toThrow(
      /offset 5 failed its CRC check/,
    );
  });

  it('leaves out aborted transactions up to their abort marker (read_committed)', async () => {
    const producer = { producerId: 9n, producerEpoch: 0, baseSequence: 0 };
    const other = { producerId: 8n, producerEpoch: 0, baseSequence: 0 };
    const bytes = Buffer.concat([
      await batchAt(0n, 2, { producer, transactional: true }), // aborted
      await batchAt(2n, 1, { producer: other, transactional: true }), // committed
      controlBatch(3n, 9n, 0), // abort
      controlBatch(4n, 8n, 1), // commit
      await batchAt(5n, 1, { producer, transactional: true }), // a later transaction of the same producer
    ]);
    const { messages, next } = decodeRecordBatches(
      bytes,
      0n,
      [{ producerId: 9n, firstOffset: 0n }],
      decompressWithClient,
    );
    expect(messages.map((m) => m.offset)).toEqual(['2', '5']);
    expect(next).toBe(6n);
  });
});
