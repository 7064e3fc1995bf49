import { Command } from 'ioredis';

/**
 * XADDs written as RESP bytes up front, for a whole `send` at once.
 *
 * ioredis turns each command's arguments into the protocol in `Command.toWritable`: with a Buffer
 * among them (the event data) it collects every argument into a list of strings and Buffers, sizes
 * each twice and copies them into a Buffer per command, and the pipeline copies those into one
 * again. With the eight fields of an event that was most of the publisher's client CPU and garbage
 * (node --cpu-prof, 100k concurrent publishes). Here each XADD's arguments but the data become one
 * string (the header names' encodings cached), all commands of a batch are written into one
 * Buffer, and each command hands ioredis its slice: the same bytes `toWritable` would produce
 * (tested against it), one allocation per batch.
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

/** One XADD before encoding: the stream key, what goes between key and id (trimming), the fields. */
export interface XaddSpec {
  readonly key: string;
  /** `MAXLEN ~ n`, `MINID ~ id`, `NOMKSTREAM`: written as they are, before `*`. */
  readonly options: readonly string[];
  /** Field names and values (strings), then the name of the data field; the data follows. */
  readonly fields: readonly string[];
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

/** The XADD commands of a batch, each holding its slice of one buffer with all their bytes. */
export function encodeXadds(specs: readonly XaddSpec[]): XaddCommand[] {
  const heads: string[] = new Array(specs.length);
  const headBytes: number[] = new Array(specs.length);
  let total = 0;
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]!;
    const argc = 4 + spec.options.length + spec.fields.length; // XADD key [options] * fields data-name data
    let head = `*${argc}\r\n$4\r\nxadd\r\n${cachedBulk(spec.key)}`;
    for (const option of spec.options) head += cachedBulk(option);
    head += '$1\r\n*\r\n';
    const fields = spec.fields;
    // Names repeat from event to event and are cached; values are new each time. The last name is
    // the data's, whose value follows as bytes.
    const last = fields.length - 1;
    for (let f = 0; f < last; f += 2) head += cachedBulk(fields[f]!) + bulk(fields[f + 1]!);
    head += cachedBulk(fields[last]!);
    head += `$${spec.data.byteLength}\r\n`;
    heads[i] = head;
    const bytes = Buffer.byteLength(head);
    headBytes[i] = bytes;
    total += bytes + spec.data.byteLength + 2;
  }
  const buffer = Buffer.allocUnsafe(total);
  const commands: XaddCommand[] = new Array(specs.length);
  let offset = 0;
  for (let i = 0; i < specs.length; i++) {
    const start = offset;
    const head = heads[i]!;
    // A head whose UTF-8 length is its length is ASCII: latin1 writes it byte for byte, faster.
    offset += buffer.write(head, offset, headBytes[i] === head.length ? 'latin1' : 'utf8');
    const data = specs[i]!.data;
    buffer.set(data, offset);
    offset += data.byteLength;
    buffer.writeUInt16LE(CRLF, offset);
    offset += 2;
    commands[i] = new XaddCommand(buffer.subarray(start, offset));
  }
  return commands;
}
