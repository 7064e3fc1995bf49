/*
 * kafkajs 2.2.4's record decoder (`protocol/recordBatch/record/v0/decoder.js`) was the largest
 * kafkajs cost of a consume: it builds each record's headers with `reduce` and an object spread per
 * header (six CloudEvents headers: six objects and 21 property copies), and computes the offset and
 * timestamp by parsing the batch's base offset and timestamp from strings into `Long`s, twice per
 * record. `decodeRecord` returns the same record (same fields, same values, same header object)
 * from one pass over the bytes: the batch's bases are parsed once per batch, and the arithmetic is
 * done in plain numbers while it is exact. Anything it does not cover exactly (varints longer than
 * four bytes, lengths past the end of the buffer, offsets beyond 2^53, header names that an object
 * inherits such as `constructor`) goes back to kafkajs' decoder from the record's start.
 * kafkajs-encoder-patch.ts installs it; record-decoder.test.ts compares it with pristine kafkajs.
 */

/** kafkajs' Decoder, as far as a record is concerned. */
export interface RecordDecoderInput {
  buffer: Buffer;
  offset: number;
}

/** What kafkajs' batch decoder hands the record decoder (the batch's header fields). */
export interface RecordBatchContext {
  readonly firstOffset?: string | undefined;
  readonly firstTimestamp?: string | undefined;
  readonly maxTimestamp?: string | undefined;
  readonly magicByte?: number | undefined;
  readonly isControlBatch?: boolean | undefined;
  readonly timestampType?: number | undefined;
}

export interface DecodedRecord {
  magicByte: number | undefined;
  attributes: number;
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | null | Array<Buffer | null>>;
  isControlRecord: boolean | undefined;
  batchContext: RecordBatchContext;
}

export type RecordDecoderFn = (decoder: RecordDecoderInput, batchContext?: RecordBatchContext) => unknown;

const LOG_APPEND_TIME = 1;
/** A varint the fast path does not decode exactly (outside what four bytes of zigzag can hold); the record then goes to kafkajs' decoder. */
const UNSUPPORTED = 2 ** 30;

/** kafkajs' record decoder with `decodeRecord` in front; `original` decodes what the fast path hands back. */
export function fastRecordDecoder(original: RecordDecoderFn): RecordDecoderFn {
  return (decoder, batchContext = {}) => {
    const start = decoder.offset;
    const record = decodeRecord(decoder, batchContext);
    buffer = EMPTY; // the fetched bytes are not kept alive here
    if (record !== undefined) return record;
    decoder.offset = start;
    return original(decoder, batchContext);
  };
}

// The batch whose bases were parsed last: every record of a batch shares its context object.
let basesOf: RecordBatchContext | undefined;
let baseOffset: number | undefined;
let baseTimestamp: number | undefined;

/** `value` as a number when the number is exactly that decimal string, else undefined. */
function exactNumber(value: string | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) && String(n) === value ? n : undefined;
}

/** Reads one record as kafkajs does, or returns undefined (having moved `decoder.offset` anywhere) for kafkajs to read it. */
export function decodeRecord(
  decoder: RecordDecoderInput,
  batchContext: RecordBatchContext,
): DecodedRecord | undefined {
  if (batchContext !== basesOf) {
    basesOf = batchContext;
    baseOffset = exactNumber(batchContext.firstOffset);
    baseTimestamp = exactNumber(batchContext.firstTimestamp);
  }
  if (baseOffset === undefined) return undefined;
  buffer = decoder.buffer;
  end = buffer.length;
  pos = decoder.offset;

  if (pos >= end) return undefined;
  const attributes = (buffer[pos++]! << 24) >> 24;
  const timestampDelta = varint();
  if (timestampDelta === UNSUPPORTED) return undefined;
  let timestamp: string;
  if (batchContext.timestampType === LOG_APPEND_TIME && batchContext.maxTimestamp) {
    timestamp = batchContext.maxTimestamp;
  } else {
    if (baseTimestamp === undefined) return undefined;
    const sum = baseTimestamp + timestampDelta;
    if (!Number.isSafeInteger(sum)) return undefined;
    timestamp = String(sum);
  }
  const offsetDelta = varint();
  if (offsetDelta === UNSUPPORTED) return undefined;
  const offsetSum = baseOffset + offsetDelta;
  if (!Number.isSafeInteger(offsetSum)) return undefined;

  const key = bytes();
  if (key === undefined) return undefined;
  const value = bytes();
  if (value === undefined) return undefined;

  const headers: DecodedRecord['headers'] = {};
  const count = varint();
  if (count === UNSUPPORTED || count < -1) return undefined;
  for (let i = 0; i < count; i++) {
    const nameLength = varint();
    if (nameLength === UNSUPPORTED) return undefined;
    let name: string;
    if (nameLength === -1) {
      name = 'null'; // kafkajs reads a null name and uses it as a property key
    } else {
      if (nameLength < 0 || pos + nameLength > end) return undefined;
      name = headerName(pos, nameLength, i);
      pos += nameLength;
      // kafkajs reads `obj[name]` through the prototype chain: leave inherited names to it.
      if (nameInherited) return undefined;
    }
    const headerValue = bytes();
    if (headerValue === undefined) return undefined;
    const previous = headers[name];
    headers[name] =
      previous === undefined
        ? headerValue
        : Array.isArray(previous)
          ? previous.concat([headerValue])
          : [previous, headerValue];
  }

  decoder.offset = pos;
  return {
    magicByte: batchContext.magicByte,
    attributes,
    timestamp,
    offset: String(offsetSum),
    key,
    value,
    headers,
    isControlRecord: batchContext.isControlBatch === undefined ? false : batchContext.isControlBatch,
    batchContext,
  };
}

// The record being read (module state rather than closures: no allocation per record).
const EMPTY = Buffer.alloc(0);
let buffer: Buffer = EMPTY;
let end = 0;
let pos = 0;

/** A zigzag varint of at most four bytes (28 bits), where kafkajs' readVarInt and readVarLong agree with plain arithmetic; UNSUPPORTED otherwise. */
function varint(): number {
  let result = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= end) return UNSUPPORTED;
    const byte = buffer[pos++]!;
    result |= (byte & 0x7f) << shift;
    if (byte < 0x80) return (result >>> 1) ^ -(result & 1);
  }
  return UNSUPPORTED;
}

/** kafkajs' readVarIntBytes: -1 is null; a length past the end is undefined (kafkajs would cut the bytes short). */
function bytes(): Buffer | null | undefined {
  const length = varint();
  if (length === -1) return null;
  if (length === UNSUPPORTED || length < 0 || pos + length > end) return undefined;
  const slice = buffer.subarray(pos, pos + length);
  pos += length;
  return slice;
}

// Header names repeat from record to record in the same order (Switchyard's are the CloudEvents
// ones), so the name last seen at each position is kept with its bytes and reused when the bytes
// match, instead of decoding the same UTF-8 again.
const NAME_SLOTS = 16;
const MAX_CACHED_NAME = 64;
const cachedNames: Array<{ bytes: Buffer; name: string; inherited: boolean } | undefined> = new Array(
  NAME_SLOTS,
);
/** Whether the name `headerName` returned last is one a plain object inherits (`constructor`, `__proto__` …). */
let nameInherited = false;

function headerName(start: number, length: number, index: number): string {
  if (index >= NAME_SLOTS || length > MAX_CACHED_NAME) {
    const name = buffer.toString('utf8', start, start + length);
    nameInherited = name in Object.prototype;
    return name;
  }
  const cached = cachedNames[index];
  if (cached !== undefined && cached.bytes.length === length) {
    const known = cached.bytes;
    let same = true;
    for (let i = 0; i < length; i++) {
      if (known[i] !== buffer[start + i]) {
        same = false;
        break;
      }
    }
    if (same) {
      nameInherited = cached.inherited;
      return cached.name;
    }
  }
  const name = buffer.toString('utf8', start, start + length);
  nameInherited = name in Object.prototype;
  // A copy: the fetched buffer must not be kept alive by the cache.
  cachedNames[index] = {
    bytes: Buffer.from(buffer.subarray(start, start + length)),
    name,
    inherited: nameInherited,
  };
  return name;
}
