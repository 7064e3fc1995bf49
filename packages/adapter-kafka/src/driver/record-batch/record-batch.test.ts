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
    const batch = recordBatch(
      batchRecords(records, 1_700_000_000_123),
      { producerId: 42n, producerEpoch: 3, baseSequence: 17 },
      undefined,
    ) as Buffer;
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
    const batch = await recordBatch(batchRecords(records, 1), NO_PRODUCER, {
      bits: 1,
      compress: async (data) => gzipSync(data),
    });
    const read = readRecordsBatch(Reader.from(batch));
    expect(read).toMatchObject({ attributes: 1, producerId: -1n, producerEpoch: -1, firstSequence: -1 });
    expect(read.records).toHaveLength(2);
    expect(read.crc).toBe(crc32c(batch.subarray(21)));
  });
});
