import { describe, expect, it } from 'vitest';
import { HeaderSizes, recordSize } from '../../producer/record-size.ts';
import { pristineKafkajs } from '../../test-support/pristine-kafkajs.ts';
import {
  encodeRecord,
  encodeRecords,
  groupMessagesPerPartition,
  type RecordInput,
} from './record-encoder.ts';

/** kafkajs' own Record and grouping (encoder and header modules reloaded so Record uses pristine ones). */
function pristineRecord(): {
  Record: (input: RecordInput) => { buffer: Buffer };
  group: typeof groupMessagesPerPartition;
} {
  const [, Record, , group] = pristineKafkajs([
    'protocol/encoder.js',
    'protocol/recordBatch/record/v0/index.js',
    'protocol/recordBatch/header/v0/index.js',
    'producer/groupMessagesPerPartition.js',
  ]);
  return {
    Record: Record as (input: RecordInput) => { buffer: Buffer },
    group: group as typeof groupMessagesPerPartition,
  };
}

const { Record, group } = pristineRecord();

function expectSameBytes(input: RecordInput): void {
  const fast = encodeRecord(input);
  expect(fast).toBeDefined();
  expect(fast!.buffer.toString('hex')).toBe(Record(input).buffer.toString('hex'));
  expect(fast!.size()).toBe(fast!.buffer.length);
}

describe('encodeRecord', () => {
  it('writes a CloudEvents record byte for byte as kafkajs does', () => {
    expectSameBytes({
      offsetDelta: 3,
      timestampDelta: 1_234,
      key: Buffer.from('order-1'),
      value: Buffer.from('{"n":1}'.repeat(40)),
      headers: {
        ce_specversion: '1.0',
        ce_id: '0190f3c4-0000-7000-8000-000000000001',
        ce_type: 'order.placed',
        ce_source: '/orders',
        ce_time: '2026-11-24T13:00:00.000Z',
        'content-type': 'application/json',
      },
    });
  });

  it('matches kafkajs on edge cases: null key and value, no headers, unicode, arrays, long values, big deltas', () => {
    const long = 'x'.repeat(70_000);
    const cases: RecordInput[] = [
      {},
      { key: null, value: null },
      { key: 'string key', value: 'string value', headers: {} },
      { value: Buffer.alloc(0), key: Buffer.alloc(0) },
      { value: Buffer.from('v'), headers: { größe: 'grün', emoji: '🚚 delivered', ascii: 'a'.repeat(63) } },
      { value: Buffer.from('v'), headers: { 'x-multi': ['a', 'bb', Buffer.from('ccc')], 'x-empty': [] } },
      { value: Buffer.from(long), headers: { long, utf: 'é'.repeat(100) } },
      // UTF-8 needs a longer length prefix than the string's length suggested: bytes move up.
      {
        key: 'ключ'.repeat(10),
        value: 'é'.repeat(40),
        headers: { grows: '€'.repeat(30), big: '😀'.repeat(5000) },
      },
      { value: Buffer.from('v'), headers: { bin: Buffer.from([0, 255, 1]) } },
      { offsetDelta: 999, timestampDelta: 0, value: Buffer.from('v') },
      { offsetDelta: 2 ** 30, timestampDelta: 2 ** 40 + 7, value: Buffer.from('v') },
      { offsetDelta: 63, timestampDelta: -5_000, value: Buffer.from('v') },
      { offsetDelta: 64, timestampDelta: -(2 ** 35), value: Buffer.from('v') },
    ];
    for (const input of cases) expectSameBytes(input);
  });

  it('keeps every record intact while later records fill the shared slab (and the next one)', () => {
    const inputs: RecordInput[] = Array.from({ length: 3_000 }, (_, i) => ({
      offsetDelta: i,
      key: `k${i}`,
      value: Buffer.alloc(100 + (i % 7), i % 251),
      headers: { ce_id: `id-${i}`, ce_type: 'same.type', ce_specversion: '1.0', [`x-${i % 3}`]: 'v' },
    }));
    const encoded = inputs.map((input) => encodeRecord(input)!);
    inputs.forEach((input, i) => {
      expect(encoded[i]!.buffer.equals(Record(input).buffer)).toBe(true);
    });
  });

  it('hands back what it does not encode byte for byte (the caller then uses kafkajs)', () => {
    expect(encodeRecord({ value: 42 as unknown as Buffer })).toBeUndefined();
    expect(encodeRecord({ value: Buffer.from('v'), headers: { h: null } })).toBeUndefined();
    expect(encodeRecord({ value: Buffer.from('v'), timestampDelta: 0.5 })).toBeUndefined();
    expect(encodeRecord({ value: Buffer.from('v'), offsetDelta: 2 ** 31 })).toBeUndefined();
  });
});

describe('encodeRecords', () => {
  it('writes records back to back, each as kafkajs would, whatever its length prefix (1, 2 or 3 bytes)', () => {
    const inputs = [
      { key: null, value: Buffer.from('tiny'), headers: {} }, // under 64 B: a 1-byte prefix
      { key: Buffer.from('k'), value: Buffer.alloc(300, 1), headers: { ce_id: 'a', 'x-ü': 'é' } },
      { key: null, value: Buffer.alloc(20_000, 2), headers: { ce_id: 'b' } }, // over 8 KiB: 3 bytes
      { key: Buffer.from('k2'), value: Buffer.alloc(0), headers: { ce_type: 'same.type' } },
    ];
    const { count, bytes } = encodeRecords(inputs, 61);
    expect(count).toBe(4);
    const expected = Buffer.concat(
      inputs.map((input, offsetDelta) => Record({ ...input, offsetDelta, timestampDelta: 0 }).buffer),
    );
    expect(bytes.subarray(61).equals(expected)).toBe(true);
  });

  it('writes the same bytes when the producer sized the records (recordSize and its header count)', () => {
    const inputs = [
      {
        key: 'o-1',
        value: Buffer.from('{"a":1}'),
        headers: { ce_id: 'a', ce_type: 't', 'content-type': 'application/json' },
      },
      { key: null, value: Buffer.alloc(20_000, 2), headers: { 'x-ü': 'é'.repeat(100) } },
      { key: 'ключ', value: Buffer.alloc(0), headers: {} },
    ];
    const counted = new HeaderSizes();
    const sized = inputs.map((input) => {
      const bytes = recordSize(input.key, input.value, input.headers, counted);
      return { ...input, sized: { bytes, headerCount: counted.headerCount } };
    });
    expect(sized.map((r) => r.sized.headerCount)).toEqual([3, 1, 0]);
    const plain = Buffer.from(encodeRecords(inputs, 61).bytes.subarray(61));
    expect(encodeRecords(sized, 61).bytes.subarray(61).equals(plain)).toBe(true);
  });

  it('writes transient records into one reused scratch, with the same bytes, leaving the slab alone', () => {
    const inputs = [
      { key: 'k', value: Buffer.alloc(300, 1), headers: { ce_id: 'a' } },
      { key: null, value: Buffer.alloc(20_000, 2), headers: {} },
    ];
    const kept = encodeRecords(inputs, 61);
    const keptCopy = Buffer.from(kept.bytes);
    const first = encodeRecords(inputs, 61, true);
    expect(first.bytes.subarray(61).equals(keptCopy.subarray(61))).toBe(true);
    const second = encodeRecords([{ key: 'other', value: Buffer.alloc(10, 3), headers: {} }], 61, true);
    expect(second.bytes.buffer).toBe(first.bytes.buffer);
    expect(second.bytes.byteOffset).toBe(first.bytes.byteOffset);
    expect(kept.bytes.equals(keptCopy)).toBe(true);
  });

  it('throws on a record it cannot carry', () => {
    expect(() => encodeRecords([{ key: null, value: 42 as unknown as Buffer, headers: {} }], 0)).toThrow(
      TypeError,
    );
  });
});

describe('groupMessagesPerPartition', () => {
  it('groups as kafkajs does, in message order', () => {
    const messages = Array.from({ length: 50 }, (_, i) => ({ value: `m${i}`, partition: (i * 7) % 4 }));
    const args = {
      topic: 't',
      partitionMetadata: [{}, {}, {}, {}],
      messages,
      partitioner: ({ message }: { message: unknown }) => (message as { partition: number }).partition,
    };
    expect(groupMessagesPerPartition(args)).toEqual(group(args));
    expect(groupMessagesPerPartition({ ...args, partitionMetadata: [] })).toEqual({});
  });
});
