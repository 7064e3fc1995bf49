/**
 * Upper-bound estimate of one record's size inside a v2 record batch: varint lengths and deltas
 * (≤ 21 bytes), key, value, and each header's name and value with their varint lengths, plus the
 * batch header (61 bytes) for a batch holding only this record. Used for batch, buffer and
 * `maxMessageBytes` limits; the broker applies its own limit to the compressed batch.
 */
export function recordSize(
  key: Buffer | string | null,
  value: Buffer,
  headers: Readonly<Record<string, string>>,
  sizes?: HeaderSizes,
): number {
  const keyBytes = key === null ? 0 : typeof key === 'string' ? utf8Length(key) : key.length;
  let size = 61 + 21 + keyBytes + value.length;
  if (sizes === undefined) {
    for (const name in headers) size += utf8Length(name) + utf8Length(headers[name]!) + 10;
    return size;
  }
  let count = 0;
  for (const name in headers) size += sizes.bytesAt(count++, name, headers[name]!) + 10;
  sizes.headerCount = count;
  return size;
}

/**
 * The number of headers `recordSize` counted. With the size (above a record's most bytes in a
 * batch: 5-byte varints, 36 bytes, against 82 + 10 per header here) the record encoder needs no
 * pass of its own over the headers.
 */
export interface HeaderCount {
  headerCount: number;
}

/**
 * Owned by the caller (the producer keeps one for all its events) and filled in by `recordSize`:
 * the header count, and by position the last record's header names and values with their UTF-8
 * lengths. Names and most CloudEvents values (type, source, spec version, content type) are the
 * same strings event after event, so only the ones that changed (id, time) are measured again:
 * with the six CloudEvents headers that is less than half the characters.
 */
export class HeaderSizes implements HeaderCount {
  headerCount = 0;
  readonly #names: string[] = [];
  readonly #nameBytes: number[] = [];
  readonly #values: string[] = [];
  readonly #valueBytes: number[] = [];

  /** UTF-8 bytes of the name and value of the header at `position`. */
  bytesAt(position: number, name: string, value: string): number {
    return (
      remembered(this.#names, this.#nameBytes, position, name) +
      remembered(this.#values, this.#valueBytes, position, value)
    );
  }
}

/** The UTF-8 length of `s`: the one kept at `position` if `s` is the string kept there, else measured and kept. */
function remembered(strings: string[], lengths: number[], position: number, s: string): number {
  if (strings[position] === s) return lengths[position]!;
  const bytes = utf8Length(s);
  strings[position] = s;
  lengths[position] = bytes;
  return bytes;
}

/** UTF-8 byte length; short ASCII strings (every CloudEvents attribute) without a native call. */
function utf8Length(s: string): number {
  return s.length < 64 && isAscii(s) ? s.length : Buffer.byteLength(s, 'utf8');
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}
