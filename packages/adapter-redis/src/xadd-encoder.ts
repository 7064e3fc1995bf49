import { EventBusError } from '@switchyard/core';
import type { OutboundMessage } from '@switchyard/core/transport';
import { Command } from 'ioredis';
import { DATA_FIELD } from './entry.ts';

/**
 * XADDs written as RESP bytes up front, for a whole `send` at once.
 *
 * ioredis turns each command's arguments into the protocol in `Command.toWritable`: with a Buffer
 * among them (the event data) it collects every argument into a list of strings and Buffers, sizes
 * each twice and copies them into a Buffer per command, and the pipeline copies those into one
 * again. With the eight fields of an event that was most of the publisher's client CPU and garbage
 * (node --cpu-prof, 100k concurrent publishes). Here an event's header fields become one string in
 * one pass over its headers (the names' encodings cached), all commands of a batch are written
 * into one Buffer, and each command hands ioredis its slice: the same bytes `toWritable` would
 * produce (tested against it), one allocation per batch.
 */
export class XaddCommand extends Command {
  readonly #bytes: Buffer;

  constructor(bytes: Buffer) {
    super('xadd', []);
    this.#bytes = bytes;
  }

  override toWritable(_socket: object): Buffer {
    return this.#bytes;
  }
}

/** An event's fields in RESP: every header as a field, then the data field's name and length. */
export interface EncodedFields {
  /** The bulk strings after the entry id, up to the data's bytes. */
  readonly part: string;
  /** Arguments in `part` plus the data: field names and values. */
  readonly count: number;
  /** Bytes of all names and values (header text counted in UTF-16 units): what `maxMessageBytes` limits. */
  readonly size: number;
  readonly data: Uint8Array;
}

/** `$<bytes>\r\n<text>\r\n` of texts that repeat (command words, field names, keys), kept a while. */
const bulkCache = new Map<string, string>();
const CRLF = 0x0a0d; // '\r\n' as a little-endian uint16

function bulk(text: string): string {
  return `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
}

function cachedBulk(text: string): string {
  let encoded = bulkCache.get(text);
  if (encoded === undefined) {
    encoded = bulk(text);
    if (bulkCache.size < 4_096) bulkCache.set(text, encoded);
  }
  return encoded;
}

/** The last value written under each header name, with its encoding. */
const lastValues = new Map<string, { value: string; bulk: string }>();

function valueBulk(name: string, value: string): string {
  const last = lastValues.get(name);
  if (last !== undefined) {
    if (last.value !== value) {
      last.value = value;
      last.bulk = bulk(value);
    }
    return last.bulk;
  }
  const encoded = bulk(value);
  if (lastValues.size < 4_096) lastValues.set(name, { value, bulk: encoded });
  return encoded;
}

/**
 * The fields of an event's stream entry. A header named `data` would collide with the data field,
 * so it fails with INVALID_EVENT instead of being silently dropped.
 */
export function encodeFields(message: OutboundMessage): EncodedFields {
  const headers = message.headers;
  const data = message.value;
  let part = '';
  let count = 2;
  let size = DATA_FIELD.length + data.byteLength;
  for (const name in headers) {
    if (name === DATA_FIELD) {
      throw new EventBusError(
        'INVALID_EVENT',
        `Event ${message.id} on ${message.topic} has a header named "${DATA_FIELD}": on Redis that field carries the event data. Rename the header.`,
        { details: { topic: message.topic, header: name } },
      );
    }
    const value = headers[name]!;
    // Names repeat from event to event and are cached; so do most values (type, source, spec
    // version, content type), whose encoding is kept per name while they stay the same.
    part += cachedBulk(name) + valueBulk(name, value);
    count += 2;
    size += name.length + value.length;
  }
  part += `${cachedBulk(DATA_FIELD)}$${data.byteLength}\r\n`;
  return { part, count, size, data };
}

/** `xadd <key> <options…> *` in RESP, without the argument count, and how many arguments it holds. */
export interface XaddPrefix {
  readonly text: string;
  readonly count: number;
}

/** `xadd <key> <options…> *` in RESP, without the argument count: the same for every event of a topic. */
export function xaddPrefix(key: string, options: readonly string[]): XaddPrefix {
  let text = `$4\r\nxadd\r\n${cachedBulk(key)}`;
  for (const option of options) text += cachedBulk(option);
  return { text: `${text}$1\r\n*\r\n`, count: 3 + options.length };
}

/** The XADD commands of a batch, each holding its slice of one buffer with all their bytes. */
export function encodeXadds(
  entries: ReadonlyArray<{
    readonly prefix: XaddPrefix;
    readonly fields: EncodedFields;
  }>,
): XaddCommand[] {
  const heads: string[] = new Array(entries.length);
  const headBytes: number[] = new Array(entries.length);
  let total = 0;
  for (let i = 0; i < entries.length; i++) {
    const { prefix, fields } = entries[i]!;
    const head = `*${prefix.count + fields.count}\r\n${prefix.text}${fields.part}`;
    heads[i] = head;
    const bytes = Buffer.byteLength(head);
    headBytes[i] = bytes;
    total += bytes + fields.data.byteLength + 2;
  }
  const buffer = Buffer.allocUnsafe(total);
  const commands: XaddCommand[] = new Array(entries.length);
  let offset = 0;
  for (let i = 0; i < entries.length; i++) {
    const start = offset;
    const head = heads[i]!;
    // A head whose UTF-8 length is its length is ASCII: latin1 writes it byte for byte, faster.
    offset += buffer.write(head, offset, headBytes[i] === head.length ? 'latin1' : 'utf8');
    const data = entries[i]!.fields.data;
    buffer.set(data, offset);
    offset += data.byteLength;
    buffer.writeUInt16LE(CRLF, offset);
    offset += 2;
    commands[i] = new XaddCommand(buffer.subarray(start, offset));
  }
  return commands;
}
