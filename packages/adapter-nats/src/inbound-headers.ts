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
    if (colon >= start && colon < end) {
      const name = text.slice(start, colon);
      if (!name.startsWith(JETSTREAM_PREFIX) && !Object.hasOwn(result, name) && isValidHeaderName(name))
        result[name] = text.slice(colon + 1, end).trim();
    }
    start = end + 2;
  }
  return result;
}

/** The ordering key travels as the CloudEvents partitioning extension. */
export function keyOf(headers: Readonly<Record<string, string>>): string | undefined {
  return headers[KEY_HEADER];
}
