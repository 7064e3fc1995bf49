import { createRequire } from 'node:module';
import { crc32c } from '../record-batch/crc32c.ts';
import { encodeRecord, groupMessagesPerPartition, type RecordInput } from '../record-batch/record-encoder.ts';
import { kafkajsVersion } from './kafkajs-info.ts';
import { fastRecordDecoder, type RecordDecoderFn } from './record-decoder.ts';

/*
 * kafkajs 2.2.4 encodes every record and every header with a fresh `Encoder` that starts from a
 * zero-filled 512-byte `Buffer.alloc`, and writes each varint through a temporary array and
 * `Buffer.from`. With the eleven CloudEvents headers Switchyard sends per event, that was the
 * largest cost of a publish (profiles in docs/internals/kafka-producer.md). This module swaps in an Encoder that takes pooled,
 * uninitialised memory (every byte up to `offset` is written before `buffer` exposes it) and
 * writes varints in place; the bytes on the wire are identical (see kafkajs-encoder-patch.test.ts).
 *
 * It also swaps kafkajs' record encoder for `encodeRecord` (record-encoder.ts: one buffer per
 * record, no Encoder per header), its quadratic `groupMessagesPerPartition` for a linear one and
 * its byte-at-a-time CRC-32C for an eight-bytes-at-a-time one (crc32c.ts).
 * On the consuming side it puts `fastRecordDecoder` (record-decoder.ts) in front of kafkajs'
 * record decoder: the same records without an object spread per header or `Long` parsing per record.
 *
 * It must run before kafkajs is first loaded, because kafkajs' modules keep the `Encoder` class
 * they required: import this module before 'kafkajs' in every file that loads kafkajs. If
 * kafkajs was already loaded (the application imported it first), only the varint writer is
 * patched. Applied to kafkajs 2.2.4 only, the version it was written against.
 */
const require = createRequire(import.meta.url);

interface EncoderClass {
  new (initialSize?: number): EncoderLike;
  nextPowerOfTwo(value: number): number;
  prototype: EncoderLike;
}
interface EncoderLike {
  buf: Buffer;
  offset: number;
  ensureAvailable(length: number): void;
  writeUVarInt(value: number): EncoderLike;
}

function apply(): 'full' | 'varint-only' | 'skipped' {
  if (kafkajsVersion() !== '2.2.4') return 'skipped';
  const encoderPath = require.resolve('kafkajs/src/protocol/encoder.js');
  // The ESM loader may have registered kafkajs in the cache already; what matters is whether it ran.
  const kafkajsLoaded = require.cache[require.resolve('kafkajs')]?.loaded === true;
  const Encoder = require(encoderPath) as EncoderClass;
  if ((Encoder as { switchyardPatched?: boolean }).switchyardPatched) return 'full';

  Encoder.prototype.writeUVarInt = function writeUVarInt(this: EncoderLike, value: number) {
    this.ensureAvailable(5);
    let v = value;
    while ((v & 0xffffff80) !== 0) {
      this.buf[this.offset++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.offset++] = v & 0x7f;
    return this;
  };
  Encoder.prototype.ensureAvailable = function ensureAvailable(this: EncoderLike, length: number) {
    if (this.offset + length > this.buf.length) {
      const next = Buffer.allocUnsafe(Encoder.nextPowerOfTwo(this.offset + length));
      this.buf.copy(next, 0, 0, this.offset);
      this.buf = next;
    }
  };
  if (kafkajsLoaded) return 'varint-only';

  // A subclass whose constructor starts from pooled memory; static helpers are inherited.
  const Base = Encoder as unknown as new (initialSize?: number) => EncoderLike;
  class PooledEncoder extends Base {
    static switchyardPatched = true;
    constructor(initialSize = 511) {
      super(0); // allocates one byte, replaced at once
      this.buf = Buffer.allocUnsafe(Encoder.nextPowerOfTwo(initialSize));
    }
  }
  const cached = require.cache[encoderPath];
  if (cached !== undefined) cached.exports = PooledEncoder;
  replaceRecordEncoder();
  replaceRecordDecoder();
  replaceModule('kafkajs/src/producer/groupMessagesPerPartition.js', groupMessagesPerPartition);
  replaceModule('kafkajs/src/protocol/recordBatch/crc32C/index.js', crc32c);
  return 'full';
}

type RecordFn = (input: RecordInput) => unknown;

/** kafkajs' Record, replaced by `encodeRecord`, which hands back anything it does not cover byte for byte. */
function replaceRecordEncoder(): void {
  const path = require.resolve('kafkajs/src/protocol/recordBatch/record/v0/index.js');
  const original = require(path) as RecordFn;
  const fast: RecordFn = (input) => encodeRecord(input) ?? original(input);
  const cached = require.cache[path];
  if (cached !== undefined) cached.exports = fast;
}

/** kafkajs' record decoder, with `fastRecordDecoder` in front (it hands back to kafkajs what it does not cover exactly). */
function replaceRecordDecoder(): void {
  const path = require.resolve('kafkajs/src/protocol/recordBatch/record/v0/decoder.js');
  const original = require(path) as RecordDecoderFn;
  const cached = require.cache[path];
  if (cached !== undefined) cached.exports = fastRecordDecoder(original);
}

function replaceModule(specifier: string, exports: unknown): void {
  const path = require.resolve(specifier);
  require(path);
  const cached = require.cache[path];
  if (cached !== undefined) cached.exports = exports;
}

/** What was applied: `full`, `varint-only` (kafkajs was loaded first) or `skipped` (another kafkajs version). */
export const encoderPatch = apply();
