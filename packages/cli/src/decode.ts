import { bytesCodec, type Codec, DLQ_HEADERS, type EventEnvelope, jsonCodec } from '@switchyard/core';
import { fromWire } from '@switchyard/core/transport';
import type { RawRecord } from './backends/backend.ts';

const textCodec: Codec = {
  contentType: 'text/plain',
  encode: (data) => Buffer.from(String(data), 'utf8'),
  decode: (bytes) => Buffer.from(bytes).toString('utf8'),
};

/** The codecs `tail` and `dlq show` decode with, by content type (the library's JSON and bytes codecs). */
const CODECS: ReadonlyMap<string, Codec> = new Map([
  ['application/json', jsonCodec],
  ['application/octet-stream', bytesCodec],
  ['text/plain', textCodec],
]);

/** A record as the CLI shows it: the CloudEvent it carries, or why it could not be read as one. */
export type RecordView = RecordPlace & (DecodedView | UndecodableView);

interface RecordPlace {
  readonly topic: string;
  readonly position: string;
  readonly partition?: number;
  readonly offset?: string;
  readonly sequence?: number;
  /** The broker's timestamp. */
  readonly timestamp: string;
  readonly key?: string;
}

interface DecodedView {
  readonly decoded: true;
  readonly event: Omit<EventEnvelope, 'data' | 'headers'>;
  /** Headers besides the CloudEvents attributes: trace context, dead-letter reasons, user headers. */
  readonly headers: Readonly<Record<string, string>>;
  readonly data: unknown;
}

interface UndecodableView {
  readonly decoded: false;
  readonly error: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly size: number;
  /** The value as UTF-8 text when it is valid text, else base64. */
  readonly value: string;
  readonly valueEncoding: 'utf8' | 'base64';
}

/** Decodes a record with core's `fromWire` (CloudEvents binary mode) and the codec its content type names. */
export function decodeRecord(record: RawRecord, headerPrefix: string): RecordView {
  const place: RecordPlace = {
    topic: record.topic,
    position: record.position,
    ...(record.partition === undefined ? {} : { partition: record.partition }),
    ...(record.offset === undefined ? {} : { offset: record.offset }),
    ...(record.sequence === undefined ? {} : { sequence: record.sequence }),
    timestamp: record.timestamp.toISOString(),
    ...(record.key === undefined ? {} : { key: record.key }),
  };
  try {
    const { data, headers, ...event } = fromWire(record, CODECS, headerPrefix);
    return {
      ...place,
      ...(event.key === undefined ? {} : { key: event.key }),
      decoded: true,
      event,
      headers,
      data: printable(data),
    };
  } catch (error) {
    const text = Buffer.from(record.value).toString('utf8');
    const isText = !text.includes('\uFFFD');
    return {
      ...place,
      decoded: false,
      error: error instanceof Error ? error.message : String(error),
      headers: record.headers,
      size: record.value.byteLength,
      value: isText ? text : Buffer.from(record.value).toString('base64'),
      valueEncoding: isText ? 'utf8' : 'base64',
    };
  }
}

/** Bytes data (octet-stream) as base64, so JSON output and the terminal can show it. */
function printable(data: unknown): unknown {
  return data instanceof Uint8Array
    ? { base64: Buffer.from(data).toString('base64'), bytes: data.byteLength }
    : data;
}

/** What the dead-letter headers say (see @switchyard/core's DLQ_HEADERS). */
export interface DeadLetterInfo {
  readonly reason: string;
  readonly originalTopic: string;
  readonly errorClass?: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly attempts?: number;
  readonly originalPartition?: number;
  readonly originalOffset?: string;
  readonly originalSequence?: number;
  readonly group?: string;
  /** When it was dead-lettered. */
  readonly time?: string;
  /** The payload was left out (too large for the dead-letter topic): its size in bytes. */
  readonly truncatedBytes?: number;
}

/** The dead-letter facts of a record, or `undefined` when it has no dead-letter headers. */
export function deadLetterOf(headers: Readonly<Record<string, string>>): DeadLetterInfo | undefined {
  const reason = headers[DLQ_HEADERS.reason];
  const originalTopic = headers[DLQ_HEADERS.originalTopic];
  if (reason === undefined || originalTopic === undefined) return undefined;
  const text = (name: string) => headers[name];
  const number = (name: string) => (headers[name] === undefined ? undefined : Number(headers[name]));
  const info: Record<string, unknown> = {
    reason,
    originalTopic,
    errorClass: text(DLQ_HEADERS.errorClass),
    errorCode: text(DLQ_HEADERS.errorCode),
    errorMessage: text(DLQ_HEADERS.errorMessage),
    attempts: number(DLQ_HEADERS.attempts),
    originalPartition: number(DLQ_HEADERS.originalPartition),
    originalOffset: text(DLQ_HEADERS.originalOffset),
    originalSequence: number(DLQ_HEADERS.originalSequence),
    group: text(DLQ_HEADERS.group),
    time: text(DLQ_HEADERS.time),
    truncatedBytes: number(DLQ_HEADERS.truncated),
  };
  for (const key of Object.keys(info)) if (info[key] === undefined) delete info[key];
  return info as unknown as DeadLetterInfo;
}
