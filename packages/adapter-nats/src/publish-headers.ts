import { PubHeaders } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/nats-core';
import { MsgHdrsImpl } from '@nats-io/nats-core/internal';
import type { OutboundMessage } from '@switchyard/core';
import { isValidHeaderName } from './header-name.ts';

const MSG_ID = PubHeaders.MsgIdHdr;

/**
 * The header block of one JetStream publish: the message's wire headers, then `Nats-Msg-Id`.
 *
 * nats.js builds the same block through `MsgHdrs.set` (per header: two key searches, each
 * allocating arrays, and a canonical-key copy) and encodes it with `TextEncoder` into a fresh
 * ArrayBuffer; with ~8 headers per event that was a large share of publisher CPU and of its
 * garbage (profiles in docs/internals/nats-publish-path.md). This checks each name and value as nats.js
 * does, fills the same map and encodes the bytes `MsgHdrsImpl.encode()` would produce, once, into
 * Buffer's shared pool. A name or value nats.js would refuse goes through nats.js itself, so it
 * fails with nats.js's own error.
 */
export function publishHeaders(message: OutboundMessage): { headers: MsgHdrs; size: number } {
  const entries = new Map<string, string[]>();
  let block = 'NATS/1.0';
  for (const name in message.headers) {
    if (name === MSG_ID) continue; // nats.js's `set` would replace it with the id, last
    const raw = message.headers[name]!;
    if (!isValidHeaderName(name) || LINE_BREAK.test(raw)) return slowHeaders(message);
    const value = raw.trim();
    entries.set(name, [value]);
    block += `\r\n${name}: ${value}`;
  }
  if (message.id === '' || LINE_BREAK.test(message.id)) return slowHeaders(message);
  const id = message.id.trim();
  entries.set(MSG_ID, [id]);
  block += `\r\n${MSG_ID}: ${id}\r\n\r\n`;
  const bytes = Buffer.from(block, 'utf8');
  return { headers: new EncodedHeaders(entries, bytes), size: bytes.byteLength + message.value.byteLength };
}

/** The nats.js way, kept for the values it refuses (it throws InvalidArgumentError naming the header). */
function slowHeaders(message: OutboundMessage): { headers: MsgHdrs; size: number } {
  const headers = new MsgHdrsImpl(); // what nats.js's `headers()` returns
  for (const name in message.headers) headers.set(name, message.headers[name]!);
  if (message.id !== '') headers.set(MSG_ID, message.id); // as @nats-io/jetstream sets `msgID`
  return { headers, size: headers.encode().byteLength + message.value.byteLength };
}

/**
 * MsgHdrs whose encoding was computed up front. It holds the same entries as the nats.js object
 * would, so every reader sees the truth; a change made through `set`/`append`/`delete` drops the
 * precomputed bytes and nats.js encodes again.
 */
class EncodedHeaders extends MsgHdrsImpl {
  #bytes: Uint8Array | undefined;

  constructor(entries: Map<string, string[]>, bytes: Uint8Array) {
    super();
    this.headers = entries;
    this.#bytes = bytes;
  }

  override encode(): Uint8Array {
    return this.#bytes ?? super.encode();
  }

  override append(k: string, v: string, match?: Parameters<MsgHdrsImpl['append']>[2]): void {
    this.#bytes = undefined;
    super.append(k, v, match);
  }

  override delete(k: string, match?: Parameters<MsgHdrsImpl['delete']>[1]): void {
    this.#bytes = undefined;
    super.delete(k, match);
  }
}

const LINE_BREAK = /[\r\n]/; // what nats.js refuses in a value
