import { Reader, readRecordsBatch } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.ts';
import { batchRecords, NO_PRODUCER, recordBatch } from './record-batch.ts';

const records = [
  { partition: 0, key: Buffer.from('k1'), value: Buffer.from('v1'), headers: { ce_id: 'a', ce_type: 'é' } },
  { partition: 0, key: null, value: Buffer.alloc(300, 7), headers: {} },
];

describe('recordBatch', () => {
  it('writes a batch a client reads back, with a valid CRC and the producer fields', () => {
    const batch = recordBatch(batchRecords(records, 1_700_000_000_123), {
      producerId: 42n,
      producerEpoch: 3,
      baseSequence: 17,
    }) as Buffer;
    const read = readRecordsBatch(Reader.from(batch));
    expect(read).toMatchObject({
      length: batch.length - 12,
      magic: 2,
      attributes: 0,
      lastOffsetDelta: 1,
      firstTimestamp: 1_700_000_000_123n,
      producerId: 42n,
      producerEpoch: 3,
      firstSequence: 17,
    });
    expect(read.crc).toBe(crc32c(batch.subarray(21)));
    expect(read.records.map((r) => [r.offsetDelta, r.key?.toString() ?? null, r.value?.length])).toEqual([
      [0, 'k1', 2],
      [1, null, 300],
    ]);
    expect(read.records[0]!.headers.map(([k, v]) => [k?.toString(), v?.toString()])).toEqual([
      ['ce_id', 'a'],
      ['ce_type', 'é'],
    ]);
  });

  it('compresses the records (asynchronously too) and sets the codec bits', async () => {
    const { gzipSync } = await import('node:zlib');
    const batch = await recordBatch(
      batchRecords(records, 1, { bits: 1, compress: async (data) => gzipSync(data) }),
      NO_PRODUCER,
    );
    const read = readRecordsBatch(Reader.from(batch));
    expect(read).toMatchObject({ attributes: 1, producerId: -1n, producerEpoch: -1, firstSequence: -1 });
    expect(read.records).toHaveLength(2);
    expect(read.crc).toBe(crc32c(batch.subarray(21)));
  });

  it('keeps a batch compressed from the reused scratch intact while later batches are encoded', async () => {
    const { compressionsAlgorithms } = await import('@platformatic/kafka');
    const lz4 = compressionsAlgorithms.lz4;
    const codec = { bits: lz4.bitmask, compress: (d: Buffer) => lz4.compressSync(d), sync: true };
    const big = (tag: string) =>
      Array.from({ length: 400 }, (_, i) => ({
        partition: 0,
        key: `${tag}-${i}`,
        value: Buffer.alloc(1024, tag),
        headers: { ce_id: `${tag}-${i}` },
      }));
    const first = batchRecords(big('a'), 1, codec);
    batchRecords(big('b'), 1, codec); // written over the same scratch
    const read = readRecordsBatch(Reader.from(recordBatch(first, NO_PRODUCER) as Buffer));
    expect(read.attributes).toBe(lz4.bitmask);
    expect(read.records).toHaveLength(400);
    expect(read.records.every((r, i) => r.key?.toString() === `a-${i}` && r.value?.[0] === 97)).toBe(true);
  });

  it('numbers the same records again into a copy, leaving the batch sent before as it was', () => {
    const encoded = batchRecords(records, 1);
    const before = recordBatch(encoded, { producerId: 1n, producerEpoch: 0, baseSequence: 0 }) as Buffer;
    const again = recordBatch(encoded, { producerId: 2n, producerEpoch: 0, baseSequence: 5 }) as Buffer;
    expect(again).not.toBe(before);
    expect(readRecordsBatch(Reader.from(before))).toMatchObject({ producerId: 1n, firstSequence: 0 });
    const read = readRecordsBatch(Reader.from(again));
    expect(read).toMatchObject({ producerId: 2n, firstSequence: 5 });
    expect(read.crc).toBe(crc32c(again.subarray(21)));
  });
});
