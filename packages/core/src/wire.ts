import { asBuffer, type Codec } from './codec.ts';
import type { EventEnvelope } from './envelope.ts';
import { EventBusError } from './errors.ts';

/**
 * CloudEvents binary content mode: `data` is the message value, attributes travel as headers
 * named `<prefix><attribute>`, the content type as `content-type`, the ordering key as the
 * `partitionkey` extension (the CloudEvents partitioning extension), trace context as plain
 * `traceparent`/`tracestate` (the distributed-tracing extension). User headers travel as they are.
 */
export interface WireForm {
  readonly value: Uint8Array;
  readonly headers: Record<string, string>;
}

const CONTENT_TYPE = 'content-type';

/** Header names for one prefix, built once: the hot path must not concatenate strings per event. */
interface HeaderNames {
  readonly id: string;
  readonly type: string;
  readonly source: string;
  readonly specversion: string;
  readonly time: string;
  readonly subject: string;
  readonly dataschema: string;
  readonly partitionkey: string;
  readonly tenant: string;
  readonly correlationid: string;
}

const namesByPrefix = new Map<string, HeaderNames>();

function headerNames(prefix: string): HeaderNames {
  let names = namesByPrefix.get(prefix);
  if (names === undefined) {
    const n = (attribute: string) => `${prefix}${attribute}`;
    names = {
      id: n('id'),
      type: n('type'),
      source: n('source'),
      specversion: n('specversion'),
      time: n('time'),
      subject: n('subject'),
      dataschema: n('dataschema'),
      partitionkey: n('partitionkey'),
      tenant: n('tenant'),
      correlationid: n('correlationid'),
    };
    namesByPrefix.set(prefix, names);
  }
  return names;
}

export function toWire(envelope: EventEnvelope, codec: Codec, prefix: string, keyHeader = true): WireForm {
  const headers = wireHeaders(envelope, prefix, keyHeader);
  return { value: codec.encode(envelope.data), headers };
}

/**
 * Filled in by `wireHeaders`: the length (UTF-16 code units) of the names and values it built, so
 * the publisher's size check needs no second pass over them. The caller owns it and reuses it.
 */
export interface HeaderTally {
  chars: number;
}

/** The wire headers of an envelope (`toWire`'s); their length goes to `tally` when one is given. */
export function wireHeaders(
  envelope: EventEnvelope,
  prefix: string,
  keyHeader: boolean,
  tally?: HeaderTally,
): Record<string, string> {
  const n = headerNames(prefix);
  const headers: Record<string, string> = {};
  let chars = 0;
  // A user header with an attribute's name is overwritten below: then the count is redone.
  let shadowed = false;
  for (const name in envelope.headers) {
    const value = envelope.headers[name]!;
    headers[name] = value;
    chars += name.length + value.length;
    if (name === CONTENT_TYPE || name.startsWith(prefix)) shadowed = true;
  }
  chars += put(headers, n.id, envelope.id);
  chars += put(headers, n.type, envelope.type);
  chars += put(headers, n.source, envelope.source);
  chars += put(headers, n.specversion, envelope.specversion);
  chars += put(headers, n.time, envelope.time);
  if (envelope.subject !== undefined) chars += put(headers, n.subject, envelope.subject);
  if (envelope.dataschema !== undefined) chars += put(headers, n.dataschema, envelope.dataschema);
  if (keyHeader && envelope.key !== undefined) chars += put(headers, n.partitionkey, envelope.key);
  if (envelope.tenant !== undefined) chars += put(headers, n.tenant, envelope.tenant);
  if (envelope.correlationid !== undefined) chars += put(headers, n.correlationid, envelope.correlationid);
  chars += put(headers, CONTENT_TYPE, envelope.datacontenttype);
  if (shadowed) {
    chars = 0;
    for (const name in headers) chars += name.length + headers[name]!.length;
  }
  if (tally !== undefined) tally.chars = chars;
  return headers;
}

/** Sets one header; returns the length of its name and value. */
function put(headers: Record<string, string>, name: string, value: string): number {
  headers[name] = value;
  return name.length + value.length;
}

/**
 * Reads a wire message back into an envelope. Throws EventBusError('DECODE_FAILED') when a
 * required attribute is missing, the content type has no codec, or the codec cannot read the data.
 */
export function fromWire(
  message: {
    readonly value: Uint8Array;
    readonly headers: Readonly<Record<string, string>>;
    readonly key: string | undefined;
  },
  codecs: ReadonlyMap<string, Codec>,
  prefix: string,
): EventEnvelope {
  const h = message.headers;
  const n = headerNames(prefix);
  const id = h[n.id];
  const type = h[n.type];
  const source = h[n.source];
  if (id === undefined || type === undefined || source === undefined) {
    throw new EventBusError(
      'DECODE_FAILED',
      `Not a CloudEvent in binary mode: header ${prefix}id, ${prefix}type or ${prefix}source is missing.`,
    );
  }
  const contentType = h[CONTENT_TYPE] ?? 'application/json';
  const codec = codecFor(codecs, contentType);
  if (codec === undefined) {
    throw new EventBusError(
      'DECODE_FAILED',
      `No codec registered for content type ${JSON.stringify(contentType)}.`,
    );
  }
  let data: unknown;
  try {
    data = codec.decode(message.value);
  } catch (cause) {
    const preview = asBuffer(message.value).subarray(0, 64).toString('utf8');
    throw new EventBusError(
      'DECODE_FAILED',
      `The ${contentType} codec could not decode the data (${preview}…).`,
      {
        cause,
      },
    );
  }
  const headers: Record<string, string> = {};
  for (const name in h) {
    if (name !== CONTENT_TYPE && !name.startsWith(prefix)) headers[name] = h[name]!;
  }
  // Built property by property: optional attributes stay absent (exactOptionalPropertyTypes), and
  // this is the consumer's hot path, so no spreads.
  const envelope: { -readonly [K in keyof EventEnvelope]: EventEnvelope[K] } = {
    id,
    type,
    source,
    specversion: '1.0',
    time: h[n.time] ?? '',
    datacontenttype: contentType,
    data,
    headers,
  };
  const subject = h[n.subject];
  if (subject !== undefined) envelope.subject = subject;
  const dataschema = h[n.dataschema];
  if (dataschema !== undefined) envelope.dataschema = dataschema;
  const key = h[n.partitionkey] ?? message.key;
  if (key !== undefined) envelope.key = key;
  const tenant = h[n.tenant];
  if (tenant !== undefined) envelope.tenant = tenant;
  const correlationid = h[n.correlationid];
  if (correlationid !== undefined) envelope.correlationid = correlationid;
  return envelope;
}

// Consecutive events nearly always share a content type: the last lookup is kept.
let lastCodecs: ReadonlyMap<string, Codec> | undefined;
let lastContentType = '';
let lastCodec: Codec | undefined;

function codecFor(codecs: ReadonlyMap<string, Codec>, contentType: string): Codec | undefined {
  if (codecs !== lastCodecs || contentType !== lastContentType) {
    lastCodecs = codecs;
    lastContentType = contentType;
    lastCodec = codecs.get(baseMediaType(contentType));
  }
  return lastCodec;
}

function baseMediaType(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}
