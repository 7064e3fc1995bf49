/*
 * One Kafka record (RecordBatch v2 format) written in one pass into a shared slab: what kafkajs
 * 2.2.4's `recordBatch/record/v0` module does with an `Encoder` per record plus one per header, a
 * temporary array per header list and a second pass to size the headers. With the six CloudEvents
 * headers every Switchyard event carries, that module and its helpers were a fifth of producer
 * CPU (see the adapter README's performance notes). kafkajs-encoder-patch.ts installs this function
 * in place of kafkajs' own; the bytes are the same (record-encoder.test.ts compares them). The
 * platformatic driver's record batches (record-batch.ts) are made of these records too.
 *
 *   Record => Length:varint Attributes:int8 TimestampDelta:varlong OffsetDelta:varint
 *             Key:varint-bytes Value:varint-bytes Headers:[varint-string varint-bytes]
 *
 * Records are views into a slab that is never rewritten: when it is full a new one is taken and
 * the old one lives until the last record viewing it (a batch being encoded) is collected. The
 * body is written first, after room for the longest length prefix; the prefix then goes right in
 * front of it. Strings are written with `Buffer#write` after room for the shortest possible length
 * prefix, and moved up in the rare case their UTF-8 form needs a longer one.
 */

/** What kafkajs' RecordBatch needs of a record: the `Encoder` surface it reads. */
export class EncodedRecord {
  readonly buf: Buffer;
  readonly offset: number;
  constructor(buf: Buffer) {
    this.buf = buf;
    this.offset = buf.length;
  }
  get buffer(): Buffer {
    return this.buf;
  }
  size(): number {
    return this.offset;
  }
}

export interface RecordInput {
  offsetDelta?: number;
  timestampDelta?: number;
  key?: unknown;
  value?: unknown;
  headers?: Record<string, unknown> | undefined;
}

const SLAB_BYTES = 256 * 1024;
let slab = Buffer.allocUnsafe(SLAB_BYTES);
let slabAt = 0;
/** Where `encodeRecords(…, transient)` writes; grows to the largest batch and is rewritten by the next one. */
let scratch = Buffer.allocUnsafe(0);

/** Returns `undefined` for an input it does not handle byte for byte; the caller then uses kafkajs' own. */
export function encodeRecord(input: RecordInput): EncodedRecord | undefined {
  const { offsetDelta = 0, timestampDelta = 0, key, value, headers } = input;
  if (!Number.isSafeInteger(timestampDelta) || !isInt32(offsetDelta)) return undefined;
  const bound = recordBound(key, value, headers);
  if (bound < 0) return undefined;
  const headerCount = boundHeaderCount;
  if (slabAt + bound > slab.length) {
    slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, bound));
    slabAt = 0;
  }

  const buf = slab;
  const bodyStart = slabAt + 5;
  const at = writeBody(buf, bodyStart, timestampDelta, offsetDelta, key, value, headers, headerCount);
  const bodyLength = at - bodyStart;
  const start = bodyStart - sizeOfUVarInt(bodyLength * 2);
  writeUVarInt(buf, start, bodyLength * 2);
  slabAt = at;
  return new EncodedRecord(buf.subarray(start, at));
}

/** The records of one batch, one after the other in one buffer (a view into the slab). */
export interface EncodedRecords {
  readonly count: number;
  readonly bytes: Buffer;
}

/** What `encodeRecords` takes of a record: key, value and string headers. */
export interface BatchRecordInput {
  readonly key: Buffer | string | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Known already (the producer's `recordSize`, with its header count): at least the bytes the
   * record takes with its length prefix. The encoder then skips its own pass over the headers.
   */
  readonly sized?: RecordSizing;
}

/** A record's size bound and header count, both counted by whoever sized it. */
export interface RecordSizing {
  readonly bytes: number;
  readonly headerCount: number;
}

/**
 * Records with offset deltas 0, 1, 2 … and one timestamp, written back to back into the slab, so
 * a record batch can take them as they are: no buffer per record, no copy. Each record's length
 * prefix is given the two bytes most records need (64 B to 8 KiB) and the body moved in the rare
 * case it needs another size. `prefix` bytes are left free in front for the caller (the batch header).
 *
 * `transient`: the caller is done with the bytes before it encodes again (it compresses them at
 * once, synchronously), so they are written into one scratch buffer that every such batch reuses.
 * A slab is never rewritten, so each batch written there takes fresh memory: at 1 KiB events a
 * partition's batch (~400 KiB) outgrows the 256 KiB slab and every batch allocated its own, whose
 * pages the kernel zeroes on first touch; the scratch stays warm (bench/README.md has the figures).
 */
export function encodeRecords(
  records: readonly BatchRecordInput[],
  prefix: number,
  transient = false,
): EncodedRecords {
  let bound = prefix;
  const headerCounts = new Array<number>(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const sized = r.sized;
    if (sized !== undefined) {
      bound += sized.bytes;
      headerCounts[i] = sized.headerCount;
      continue;
    }
    const b = recordBound(r.key, r.value, r.headers);
    if (b < 0) throw new TypeError('A record has a key, value or header Kafka cannot carry.');
    bound += b;
    headerCounts[i] = boundHeaderCount;
  }
  let buf: Buffer;
  let start: number;
  if (transient) {
    if (scratch.length < bound) scratch = Buffer.allocUnsafe(Math.max(SLAB_BYTES, bound));
    buf = scratch;
    start = 0;
  } else {
    if (slabAt + bound > slab.length) {
      slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, bound));
      slabAt = 0;
    }
    buf = slab;
    start = slabAt;
  }
  let at = start + prefix;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const bodyStart = at + 2;
    const end = writeBody(buf, bodyStart, 0, i, r.key, r.value, r.headers, headerCounts[i]!);
    const bodyLength = end - bodyStart;
    const size = sizeOfUVarInt(bodyLength * 2);
    if (size !== 2) buf.copyWithin(at + size, bodyStart, end);
    at = writeUVarInt(buf, at, bodyLength * 2) + bodyLength;
  }
  if (!transient) slabAt = at;
  return { count: records.length, bytes: buf.subarray(start, at) };
}

/** Header count of the record `recordBound` last bounded (no object per call). */
let boundHeaderCount = 0;

/** Most bytes the record can take with its length prefix, -1 if it cannot be written byte for byte; counts its headers. */
function recordBound(
  key: unknown,
  value: unknown,
  headers: Record<string, unknown> | undefined | null,
): number {
  const keyBound = boundOf(key);
  const valueBound = boundOf(value);
  if (keyBound < 0 || valueBound < 0) return -1;
  // A light pass: validates the headers and bounds the record's size, so the slab has room.
  let bound = 5 + 1 + 10 + 5 + keyBound + valueBound + 5;
  let headerCount = 0;
  if (headers !== undefined && headers !== null) {
    for (const name in headers) {
      const v = headers[name];
      const nameBound = 5 + 3 * name.length;
      if (Array.isArray(v)) {
        for (const item of v) {
          const b = item === null || item === undefined ? -1 : boundOf(item);
          if (b < 0) return -1;
          bound += nameBound + b;
          headerCount++;
        }
      } else {
        const b = v === null || v === undefined ? -1 : boundOf(v);
        if (b < 0) return -1;
        bound += nameBound + b;
        headerCount++;
      }
    }
  }
  boundHeaderCount = headerCount;
  return bound;
}

/** Attributes to the last header, from `at`; returns where it ends. */
function writeBody(
  buf: Buffer,
  start: number,
  timestampDelta: number,
  offsetDelta: number,
  key: unknown,
  value: unknown,
  headers: Record<string, unknown> | undefined | null,
  headerCount: number,
): number {
  const zigzagTimestamp = timestampDelta >= 0 ? timestampDelta * 2 : -timestampDelta * 2 - 1;
  let at = start;
  buf[at++] = 0; // attributes: none are used per record
  at = writeUVarLong(buf, at, zigzagTimestamp);
  at = writeUVarInt(buf, at, zigzag32(offsetDelta));
  at = writeBytes(buf, at, key);
  at = writeBytes(buf, at, value);
  at = writeUVarInt(buf, at, headerCount * 2);
  if (headerCount > 0) {
    for (const name in headers) {
      const v = (headers as Record<string, unknown>)[name];
      const header = headerName(name);
      if (Array.isArray(v)) {
        for (const item of v) {
          at = writeCached(buf, at, header.bytes);
          at = writeBytes(buf, at, item);
        }
      } else {
        at = writeCached(buf, at, header.bytes);
        if (v === header.lastValue) {
          // The same string as last time (spec version, type, source, content type): its bytes
          // are kept from the second time on.
          header.lastEncoded ??= encodeString(v as string);
          at = writeCached(buf, at, header.lastEncoded);
        } else {
          if (typeof v === 'string') {
            header.lastValue = v;
            header.lastEncoded = undefined;
          }
          at = writeBytes(buf, at, v);
        }
      }
    }
  }
  return at;
}

/** Most bytes a key, value or header value can take with its length prefix; -1 if not a string, Buffer or null. */
function boundOf(v: unknown): number {
  if (typeof v === 'string') return 5 + 3 * v.length;
  if (v === null || v === undefined) return 1;
  if (Buffer.isBuffer(v)) return 5 + v.length;
  return -1;
}

function writeBytes(buf: Buffer, at: number, v: unknown): number {
  if (typeof v === 'string') return writeString(buf, at, v);
  if (v === null || v === undefined) {
    buf[at] = 1; // zigzag(-1): null
    return at + 1;
  }
  const bytes = v as Buffer;
  const o = writeUVarInt(buf, at, bytes.length * 2);
  buf.set(bytes, o); // TypedArray#set: no argument checks, unlike Buffer#copy
  return o + bytes.length;
}

/** Writes after room for the shortest prefix its length allows (UTF-8 is never shorter than the string). */
function writeString(buf: Buffer, at: number, s: string): number {
  const reserved = sizeOfUVarInt(s.length * 2);
  const written = s.length === 0 ? 0 : buf.write(s, at + reserved);
  const needed = sizeOfUVarInt(written * 2);
  if (needed !== reserved) buf.copyWithin(at + needed, at + reserved, at + reserved + written);
  writeUVarInt(buf, at, written * 2);
  return at + needed + written;
}

/** Short cached byte runs are copied by hand: cheaper than a native call below ~16 bytes. */
function writeCached(buf: Buffer, at: number, bytes: Buffer): number {
  const n = bytes.length;
  if (n > 16) buf.set(bytes, at);
  else for (let i = 0; i < n; i++) buf[at + i] = bytes[i]!;
  return at + n;
}

/** A header name's varint-prefixed bytes, and its last value (values repeat from event to event). */
interface HeaderName {
  readonly bytes: Buffer;
  lastValue: unknown;
  lastEncoded: Buffer | undefined;
}

/** Header names repeat on every event: what is known of each is kept (bounded). */
const names = new Map<string, HeaderName>();
const NAME_CACHE_LIMIT = 512;

function headerName(name: string): HeaderName {
  let header = names.get(name);
  if (header === undefined) {
    if (names.size >= NAME_CACHE_LIMIT) names.clear();
    header = { bytes: encodeString(name), lastValue: undefined, lastEncoded: undefined };
    names.set(name, header);
  }
  return header;
}

/** A string as varint-length-prefixed UTF-8, in its own buffer. */
function encodeString(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const encoded = Buffer.allocUnsafe(sizeOfUVarInt(bytes.length * 2) + bytes.length);
  encoded.set(bytes, writeUVarInt(encoded, 0, bytes.length * 2));
  return encoded;
}

function isInt32(n: number): boolean {
  return Number.isInteger(n) && n >= -0x80000000 && n <= 0x7fffffff;
}

function zigzag32(n: number): number {
  return ((n << 1) ^ (n >> 31)) >>> 0;
}

/** Varint of an unsigned value below 2^32 (zigzag already applied). */
function sizeOfUVarInt(v: number): number {
  let size = 1;
  let rest = v >>> 0;
  while (rest >= 0x80) {
    size++;
    rest >>>= 7;
  }
  return size;
}

function writeUVarInt(buf: Buffer, at: number, v: number): number {
  let o = at;
  let rest = v >>> 0;
  while (rest >= 0x80) {
    buf[o++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  buf[o++] = rest;
  return o;
}

/** Varint of an unsigned safe integer (zigzag already applied): timestamp deltas may exceed 2^32. */
function writeUVarLong(buf: Buffer, at: number, v: number): number {
  let o = at;
  let rest = v;
  while (rest >= 0x80) {
    buf[o++] = (rest % 128) | 0x80;
    rest = Math.floor(rest / 128);
  }
  buf[o++] = rest;
  return o;
}

/**
 * kafkajs' `groupMessagesPerPartition`, linear: the original rebuilds a partition's array with
 * every message (`[...current, message]`), quadratic in the batch size (its share of producer CPU
 * is in docs/internals/kafka-producer.md). Same result: partition → its messages in their original order.
 */
export function groupMessagesPerPartition({
  topic,
  partitionMetadata,
  messages,
  partitioner,
}: {
  topic: string;
  partitionMetadata: readonly unknown[];
  messages: readonly unknown[];
  partitioner: (args: { topic: string; partitionMetadata: readonly unknown[]; message: unknown }) => number;
}): Record<string, unknown[]> {
  const result: Record<string, unknown[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    const list = result[partition];
    if (list === undefined) result[partition] = [message];
    else list.push(message);
  }
  return result;
}
