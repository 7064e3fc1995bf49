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

export function toWire(envelope: EventEnvelope, codec: Codec, prefix: string): WireForm {
  const headers: Record<string, string> = {};
  for (const name in envelope.headers) headers[name] = envelope.headers[name]!;
  headers[`${prefix}id`] = envelope.id;
  headers[`${prefix}type`] = envelope.type;
  headers[`${prefix}source`] = envelope.source;
  headers[`${prefix}specversion`] = envelope.specversion;
  headers[`${prefix}time`] = envelope.time;
  if (envelope.subject !== undefined) headers[`${prefix}subject`] = envelope.subject;
  if (envelope.dataschema !== undefined) headers[`${prefix}dataschema`] = envelope.dataschema;
  if (envelope.key !== undefined) headers[`${prefix}partitionkey`] = envelope.key;
  if (envelope.tenant !== undefined) headers[`${prefix}tenant`] = envelope.tenant;
  if (envelope.correlationid !== undefined) headers[`${prefix}correlationid`] = envelope.correlationid;
  headers[CONTENT_TYPE] = envelope.datacontenttype;
  return { value: codec.encode(envelope.data), headers };
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
  const id = h[`${prefix}id`];
  const type = h[`${prefix}type`];
  const source = h[`${prefix}source`];
  if (id === undefined || type === undefined || source === undefined) {
    throw new EventBusError(
      'DECODE_FAILED',
      `Not a CloudEvent in binary mode: header ${prefix}id, ${prefix}type or ${prefix}source is missing.`,
    );
  }
  const contentType = h[CONTENT_TYPE] ?? 'application/json';
  const codec = codecs.get(baseMediaType(contentType));
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
  return {
    id,
    type,
    source,
    specversion: '1.0',
    time: h[`${prefix}time`] ?? '',
    datacontenttype: contentType,
    data,
    headers,
    ...optional('subject', h[`${prefix}subject`]),
    ...optional('dataschema', h[`${prefix}dataschema`]),
    ...optional('key', h[`${prefix}partitionkey`] ?? message.key),
    ...optional('tenant', h[`${prefix}tenant`]),
    ...optional('correlationid', h[`${prefix}correlationid`]),
  };
}

function baseMediaType(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

function optional<K extends string>(name: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: string };
}
