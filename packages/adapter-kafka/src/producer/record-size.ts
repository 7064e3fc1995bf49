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
  counted?: HeaderCount,
): number {
  const keyBytes = key === null ? 0 : typeof key === 'string' ? utf8Length(key) : key.length;
  let size = 61 + 21 + keyBytes + value.length;
  let count = 0;
  for (const name in headers) {
    size += utf8Length(name) + utf8Length(headers[name]!) + 10;
    count++;
  }
  if (counted !== undefined) counted.headerCount = count;
  return size;
}

/**
 * Filled in by `recordSize`: the number of headers it counted. With the size (above a record's
 * most bytes in a batch: 5-byte varints, 36 bytes, against 82 + 10 per header here) the record
 * encoder needs no pass of its own over the headers. The caller owns it and reuses it.
 */
export interface HeaderCount {
  headerCount: number;
}

/** UTF-8 byte length; short ASCII strings (every CloudEvents attribute) without a native call. */
function utf8Length(s: string): number {
  return s.length < 64 && isAscii(s) ? s.length : Buffer.byteLength(s, 'utf8');
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}
