/**
 * The CloudEvents attribute prefix of the stream-entry fields. Redis has no CloudEvents protocol
 * binding; the entry follows the Kafka binding's binary mode (`ce_id`, `ce_type`, …, `content-type`),
 * the nearest one for a record made of named fields.
 */
export const HEADER_PREFIX = 'ce_';
/** The field that holds the event data (the CloudEvents `data`, encoded by the bus's codec). */
export const DATA_FIELD = 'data';
/** The ordering key travels as the CloudEvents partitioning extension. */
export const KEY_FIELD = `${HEADER_PREFIX}partitionkey`;

const EMPTY = Buffer.alloc(0);

/** Headers and data of a received entry (fields as Buffers, as `…Buffer` commands return them). */
export interface DecodedEntry {
  readonly headers: Record<string, string>;
  readonly value: Buffer;
}

/**
 * Reads entries' fields back: every field but `data` is a header (UTF-8), `data` is the value.
 * An entry written by someone else without the CloudEvents fields still decodes; core then finds
 * no `ce_id` / `ce_type` / `ce_source` and dead-letters it as `decode-failed`. A repeated field
 * keeps its first value; an entry without `data` has an empty value.
 *
 * One decoder per consumer: the entries of a stream nearly always carry the same field names in
 * the same order, and some values (type, source, spec version, content type) over and over. The
 * decoder remembers the last bytes and string at each position and compares bytes before it makes
 * a string (a string per field was ~8 % of consumer CPU, node --cpu-prof over 100k entries).
 */
export class EntryDecoder {
  readonly #names = new PositionCache();
  readonly #values = new PositionCache();

  decode(fields: readonly Buffer[]): DecodedEntry {
    const headers: Record<string, string> = {};
    let value: Buffer | undefined;
    const length = fields.length - 1;
    for (let i = 0, position = 0; i < length; i += 2, position++) {
      const name = fields[i]!;
      if (value === undefined && isDataField(name)) {
        value = fields[i + 1]!;
        continue;
      }
      const key = this.#names.text(position, name);
      if (headers[key] === undefined) headers[key] = this.#values.text(position, fields[i + 1]!);
    }
    return { headers, value: value ?? EMPTY };
  }
}

/** Reads one entry's fields (see EntryDecoder). */
export function decodeEntry(fields: readonly Buffer[]): DecodedEntry {
  return new EntryDecoder().decode(fields);
}

/**
 * The string of the bytes last seen at each position. A position whose bytes changed twice in a
 * row (an id, a time) stops being compared: it is decoded each time, with no copy kept.
 */
class PositionCache {
  readonly #bytes: Array<Buffer | undefined> = [];
  readonly #texts: string[] = [];
  readonly #misses: number[] = [];

  text(position: number, bytes: Buffer): string {
    const misses = this.#misses[position] ?? 0;
    if (misses >= 2) return bytes.toString('utf8');
    const known = this.#bytes[position];
    if (known !== undefined && sameBytes(known, bytes)) {
      this.#misses[position] = 0;
      return this.#texts[position]!;
    }
    const text = bytes.toString('utf8');
    this.#misses[position] = known === undefined ? 0 : misses + 1;
    // A copy: the received Buffer is a view of the socket's chunk, which must not be kept alive.
    this.#bytes[position] = Buffer.from(bytes);
    this.#texts[position] = text;
    return text;
  }
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}
// 'data' as bytes: compared in place, so the data field's name is never made into a string.
const D = 0x64;
const A = 0x61;
const T = 0x74;

function isDataField(name: Buffer): boolean {
  return name.length === 4 && name[0] === D && name[1] === A && name[2] === T && name[3] === A;
}
