import type { DriverInbound } from '../driver.ts';
import { headerNameAt, headerStringAt } from '../header-strings.ts';
import { crc32c } from './crc32c.ts';
import { BATCH_HEADER_BYTES } from './record-batch.ts';

/*
 * The record batches of one partition of a Fetch response, read straight into the driver's
 * inbound messages: keys and values are views of the fetched bytes, header names and values become
 * strings without a buffer each (header-strings.ts reuses the ones that repeat). The platformatic
 * driver reads its own Fetch responses with it (platformatic-fetch.ts); the client's parser built
 * every record and every header as separate buffers first.
 *
 * As the client's consumer did: control batches are left out (their offsets still count for
 * `next`), batches of aborted transactions are left out under read_committed (from the aborted
 * transaction's first offset to its abort marker in the same response; a range whose marker is not
 * there yet is kept, as the client did), records before `fetchedAt` are left out, and a batch cut
 * short at the end of the response (the broker fills up to the byte limit) is ignored. Unlike the
 * client, each batch's CRC-32C is checked: a mismatch is an error, not garbage handed over.
 */

const CRC_AT = 17;
const ATTRIBUTES_AT = 21;
const COMPRESSION = 0b111;
const IS_TRANSACTIONAL = 0b1_0000;
const IS_CONTROL = 0b10_0000;

/** One aborted transaction of a Fetch response (read_committed). */
export interface AbortedTransaction {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
}

/** Decompresses a batch's records (by the codec bits of its attributes). */
export type Decompress = (codec: number, compressed: Buffer) => Buffer;

export class CorruptBatchError extends Error {
  override readonly name = 'CorruptBatchError';
}

/**
 * The messages of the batches in `bytes` from `fetchedAt` on, and the offset after the last whole
 * batch (`fetchedAt` when there is none).
 */
export function decodeRecordBatches(
  bytes: Buffer,
  fetchedAt: bigint,
  aborted: readonly AbortedTransaction[] | null,
  decompress: Decompress,
): { messages: DriverInbound[]; next: bigint; batches: number } {
  const messages: DriverInbound[] = [];
  let next = fetchedAt;
  let batches = 0;
  const ranges = aborted !== null && aborted.length > 0 ? abortedRanges(bytes, aborted) : undefined;
  let at = 0;
  while (bytes.length - at >= BATCH_HEADER_BYTES) {
    const length = bytes.readInt32BE(at + 8);
    const end = at + 12 + length;
    if (end > bytes.length) break; // cut short by the byte limit: fetched again from its start
    const magic = bytes[at + 16]!;
    if (magic !== 2)
      throw new CorruptBatchError(
        `A record batch at offset ${bytes.readBigInt64BE(at)} has magic ${magic}, not 2.`,
      );
    const firstOffset = bytes.readBigInt64BE(at);
    const crc = bytes.readUInt32BE(at + CRC_AT);
    if (crc32c(bytes.subarray(at + ATTRIBUTES_AT, end)) !== crc)
      throw new CorruptBatchError(
        `The record batch at offset ${firstOffset} failed its CRC check (corrupt in transit or on the broker).`,
      );
    const attributes = bytes.readInt16BE(at + ATTRIBUTES_AT);
    const last = firstOffset + BigInt(bytes.readInt32BE(at + 23)) + 1n;
    const skip =
      (attributes & IS_CONTROL) !== 0 ||
      last <= fetchedAt ||
      (ranges !== undefined &&
        (attributes & IS_TRANSACTIONAL) !== 0 &&
        isAborted(ranges, bytes.readBigInt64BE(at + 43), firstOffset));
    if (!skip) {
      const count = bytes.readInt32BE(at + 57);
      const codec = attributes & COMPRESSION;
      const firstTimestamp = bytes.readBigInt64BE(at + 27);
      if (codec === 0) {
        readRecords(
          bytes,
          at + BATCH_HEADER_BYTES,
          end,
          count,
          firstOffset,
          firstTimestamp,
          fetchedAt,
          messages,
        );
      } else {
        const records = decompress(codec, bytes.subarray(at + BATCH_HEADER_BYTES, end));
        readRecords(records, 0, records.length, count, firstOffset, firstTimestamp, fetchedAt, messages);
      }
    }
    if (last > next) next = last;
    batches++;
    at = end;
  }
  return { messages, next, batches };
}

/** Per producer, [first offset, abort marker offset) of its aborted transaction; -1n: no marker in these bytes (kept). */
function abortedRanges(bytes: Buffer, aborted: readonly AbortedTransaction[]): Map<bigint, [bigint, bigint]> {
  const ranges = new Map<bigint, [bigint, bigint]>();
  for (const a of aborted) ranges.set(a.producerId, [a.firstOffset, -1n]);
  let at = 0;
  while (bytes.length - at >= BATCH_HEADER_BYTES) {
    const end = at + 12 + bytes.readInt32BE(at + 8);
    if (end > bytes.length) break;
    const attributes = bytes.readInt16BE(at + ATTRIBUTES_AT);
    if ((attributes & IS_CONTROL) !== 0 && (attributes & COMPRESSION) === 0) {
      // A control record: its key is version:int16 type:int16 (0 abort, 1 commit).
      const range = ranges.get(bytes.readBigInt64BE(at + 43));
      if (range !== undefined && controlType(bytes, at + BATCH_HEADER_BYTES, end) === 0)
        range[1] = bytes.readBigInt64BE(at);
    }
    at = end;
  }
  return ranges;
}

function isAborted(ranges: Map<bigint, [bigint, bigint]>, producerId: bigint, firstOffset: bigint): boolean {
  const range = ranges.get(producerId);
  return range !== undefined && range[1] !== -1n && firstOffset >= range[0] && firstOffset < range[1];
}

/** The type in the key of a batch's first (control) record; -1 when it cannot be read. */
function controlType(bytes: Buffer, start: number, end: number): number {
  buffer = bytes;
  pos = start;
  limit = end;
  varint(); // length
  pos++; // attributes
  varint(); // timestamp delta
  varint(); // offset delta
  const keyLength = varint();
  const type = keyLength >= 4 && pos + 4 <= end ? bytes.readInt16BE(pos + 2) : -1;
  buffer = EMPTY;
  return type;
}

// The bytes being read (module state rather than closures: nothing allocated per record).
const EMPTY = Buffer.alloc(0);
let buffer: Buffer = EMPTY;
let pos = 0;
let limit = 0;

function readRecords(
  bytes: Buffer,
  start: number,
  end: number,
  count: number,
  firstOffset: bigint,
  firstTimestamp: bigint,
  fetchedAt: bigint,
  out: DriverInbound[],
): void {
  buffer = bytes;
  pos = start;
  limit = end;
  // Offsets and timestamps in plain numbers while they are exact (always, in practice).
  const baseOffset = Number(firstOffset);
  const baseTimestamp = Number(firstTimestamp);
  const exact =
    Number.isSafeInteger(baseOffset + 2 ** 31) &&
    Number.isSafeInteger(baseTimestamp + 2 ** 40) &&
    baseTimestamp > -(2 ** 40);
  const from = Number(fetchedAt);
  try {
    for (let i = 0; i < count; i++) {
      const length = varint();
      const recordEnd = pos + length;
      if (length < 0 || recordEnd > end) throw corrupt(firstOffset);
      pos++; // attributes
      const timestampDelta = varint();
      const offsetDelta = varint();
      if (exact ? baseOffset + offsetDelta < from : firstOffset + BigInt(offsetDelta) < fetchedAt) {
        pos = recordEnd;
        continue;
      }
      const key = bytesOf(firstOffset);
      const value = bytesOf(firstOffset);
      const headers: Record<string, string> = {};
      const headerCount = varint();
      let slot = 0;
      for (let h = 0; h < headerCount; h++) {
        const nameLength = varint();
        const nameAt = pos;
        if (nameLength > 0) pos += nameLength;
        const valueLength = varint();
        const valueAt = pos;
        if (valueLength > 0) pos += valueLength;
        if (pos > recordEnd) throw corrupt(firstOffset);
        // A null name or value is left out; the last of a repeated name wins (as in Java's `lastHeader`).
        if (nameLength < 0 || valueLength < 0) continue;
        const name = headerNameAt(bytes, nameAt, nameAt + nameLength, slot);
        headers[name] = headerStringAt(name, bytes, valueAt, valueAt + valueLength, slot++);
      }
      pos = recordEnd;
      out.push({
        offset: exact ? String(baseOffset + offsetDelta) : String(firstOffset + BigInt(offsetDelta)),
        key,
        value,
        headers,
        timestamp: exact
          ? String(baseTimestamp + timestampDelta)
          : String(firstTimestamp + BigInt(timestampDelta)),
      });
    }
  } finally {
    buffer = EMPTY; // the fetched bytes are not kept alive here
  }
}

function corrupt(firstOffset: bigint): CorruptBatchError {
  return new CorruptBatchError(
    `The record batch at offset ${firstOffset} has a record that runs past its end.`,
  );
}

/** A varint-length byte string as a view of the fetched bytes (null for -1). */
function bytesOf(firstOffset: bigint): Buffer | null {
  const length = varint();
  if (length < 0) return null;
  if (pos + length > limit) throw corrupt(firstOffset);
  const slice = buffer.subarray(pos, pos + length);
  pos += length;
  return slice;
}

/** A zigzag varint (or varlong, exact up to 2^53). */
function varint(): number {
  if (pos >= limit) throw new CorruptBatchError('A record batch ends inside a record.');
  let byte = buffer[pos++]!;
  if (byte < 0x80) return (byte >>> 1) ^ -(byte & 1);
  let result = byte & 0x7f;
  let shift = 7;
  for (;;) {
    if (pos >= limit) throw new CorruptBatchError('A record batch ends inside a varint.');
    byte = buffer[pos++]!;
    if (shift < 28) result |= (byte & 0x7f) << shift;
    else result += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
    shift += 7;
    if (shift > 63) throw new CorruptBatchError('A record batch has a varint longer than ten bytes.');
  }
  if (shift < 28) {
    result >>>= 0;
    return (result >>> 1) ^ -(result & 1);
  }
  // Beyond 32 bits: zigzag in floating point (exact while the value fits in 53 bits).
  return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
}
