import type { JsMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/nats-core';
import { MsgImpl } from '@nats-io/nats-core/internal';
import { isValidHeaderName } from './header-name.ts';

/** The CloudEvents binary-mode header prefix of the NATS protocol binding. */
export const HEADER_PREFIX = 'ce-';
const KEY_HEADER = `${HEADER_PREFIX}partitionkey`;
/** Headers JetStream itself adds or reads (`Nats-Msg-Id`, …): not the event's. */
const JETSTREAM_PREFIX = 'Nats-';

/**
 * Wire headers of a received message as the port expects them: one string per name (the first,
 * as `MsgHdrs.get` gives), without the `Nats-*` headers.
 */
export function fromNatsHeaders(headers: MsgHdrs | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  if (headers === undefined) return result;
  for (const name of headers.keys()) {
    if (name.startsWith(JETSTREAM_PREFIX)) continue;
    result[name] = headers.get(name);
  }
  return result;
}

/**
 * The same as `fromNatsHeaders(msg.headers)`, read straight from the message's header block.
 *
 * nats.js decodes a block into MsgHdrs line by line: per header a canonical-key copy (a spread of
 * char codes), a key search that allocates two arrays, a regex test and a map entry, and
 * `fromNatsHeaders` then searches the keys again per name. On a consumer of events with eight
 * headers that was a large share of CPU and of its garbage (docs/internals/nats-consume-path.md).
 * This reads the bytes nats.js keeps beside the payload once. Where they are not there (another
 * nats.js version, headers already decoded) it goes through `msg.headers`.
 */
export function headersOf(msg: JsMsg): Record<string, string> {
  // JsMsgImpl keeps the core message as `msg` (not part of the JsMsg type).
  const inner = (msg as { readonly msg?: unknown }).msg;
  if (!(inner instanceof MsgImpl) || inner._headers !== undefined || !(inner._rdata instanceof Uint8Array))
    return fromNatsHeaders(msg.headers);
  const length = inner._msg.hdr;
  if (length <= 0) return {};
  return parseHeaderBlock(inner._rdata, length);
}

/**
 * A `NATS/1.0[ status]\r\nName: value\r\n…\r\n\r\n` block as nats.js's `MsgHdrsImpl.decode` reads
 * it: UTF-8, the status line skipped, lines without `:` skipped, names as sent, values trimmed,
 * the first value of a repeated name. Where nats.js would throw on reading `msg.headers` (a name
 * outside printable ASCII, a lone CR or LF in a value) this leaves the name out or keeps the value.
 */
export function parseHeaderBlock(bytes: Uint8Array, length: number): Record<string, string> {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, length).toString('utf8');
  const result: Record<string, string> = {};
  let start = text.indexOf('\r\n');
  if (start < 0) return result;
  start += 2;
  while (start < text.length) {
    let end = text.indexOf('\r\n', start);
    if (end < 0) end = text.length;
    const colon = text.indexOf(':', start);
    if (colon >= start && colon < end && !text.startsWith(JETSTREAM_PREFIX, start)) {
      const name = knownName(text, start, colon) ?? text.slice(start, colon);
      if (!Object.hasOwn(result, name) && isValidHeaderName(name))
        result[name] = valueAt(text, colon + 1, end);
    }
    start = end + 2;
  }
  return result;
}

/**
 * The names Switchyard itself sends, by length: a header with one of them is read without making
 * a new string for its name (a name is a fresh string per event otherwise).
 */
const KNOWN_NAMES = new Map<number, string[]>();
for (const name of [
  ...['id', 'type', 'source', 'specversion', 'time', 'subject', 'dataschema', 'partitionkey'].map(
    (attribute) => `${HEADER_PREFIX}${attribute}`,
  ),
  `${HEADER_PREFIX}tenant`,
  `${HEADER_PREFIX}correlationid`,
  'content-type',
  'traceparent',
  'tracestate',
]) {
  const sameLength = KNOWN_NAMES.get(name.length);
  if (sameLength === undefined) KNOWN_NAMES.set(name.length, [name]);
  else sameLength.push(name);
}

function knownName(text: string, start: number, end: number): string | undefined {
  const candidates = KNOWN_NAMES.get(end - start);
  if (candidates === undefined) return undefined;
  for (const name of candidates) if (text.startsWith(name, start)) return name;
  return undefined;
}

/** `text.slice(start, end).trim()`, with one string instead of two for the usual `: value`. */
function valueAt(text: string, start: number, end: number): string {
  let from = start;
  if (from < end && text.charCodeAt(from) === SPACE) from++;
  if (from < end && isPlainCode(text.charCodeAt(from)) && isPlainCode(text.charCodeAt(end - 1)))
    return text.slice(from, end);
  return text.slice(start, end).trim();
}

const SPACE = 32;

/** Printable ASCII other than a space: never removed by `trim()`. */
function isPlainCode(code: number): boolean {
  return code > SPACE && code < 127;
}

/** The ordering key travels as the CloudEvents partitioning extension. */
export function keyOf(headers: Readonly<Record<string, string>>): string | undefined {
  return headers[KEY_HEADER];
}
