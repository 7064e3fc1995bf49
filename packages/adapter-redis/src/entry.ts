import { EventBusError, type OutboundMessage } from '@switchyard/core';

/**
 * The CloudEvents attribute prefix of the stream-entry fields. Redis has no CloudEvents protocol
 * binding; the entry follows the Kafka binding's binary mode (`ce_id`, `ce_type`, …, `content-type`),
 * the nearest one for a record made of named fields.
 */
export const HEADER_PREFIX = 'ce_';
/** The field that holds the event data (the CloudEvents `data`, encoded by the bus's codec). */
export const DATA_FIELD = 'data';
/** The ordering key travels as the CloudEvents partitioning extension. */
export const KEY_FIELD = `${HEADER_PREFIX}partitionkey`;

const EMPTY = Buffer.alloc(0);

/** Stream-entry fields of one event: each header as a field, then the data as the field `data`. */
export interface EncodedEntry {
  /** `name, value, name, value, …, 'data'`: the XADD arguments after the id, but the data. */
  readonly fields: string[];
  readonly data: Uint8Array;
  /** Bytes of all names and values: what the entry costs the server, roughly. */
  readonly size: number;
}

/**
 * The fields of an event's stream entry. A header named `data` would collide with the data field,
 * so it fails with INVALID_EVENT instead of being silently dropped.
 */
export function encodeEntry(message: OutboundMessage): EncodedEntry {
  const fields: string[] = [];
  let size = DATA_FIELD.length;
  const headers = message.headers;
  for (const name in headers) {
    if (name === DATA_FIELD) {
      throw new EventBusError(
        'INVALID_EVENT',
        `Event ${message.id} on ${message.topic} has a header named "${DATA_FIELD}": on Redis that field carries the event data. Rename the header.`,
        { details: { topic: message.topic, header: name } },
      );
    }
    const value = headers[name]!;
    fields.push(name, value);
    // Header names and values are ASCII nearly always: length is their byte size then (UTF-8 is ≤ 3×).
    size += name.length + value.length;
  }
  fields.push(DATA_FIELD);
  return { fields, data: message.value, size: size + message.value.byteLength };
}

/** Headers and data of a received entry (fields as Buffers, as `…Buffer` commands return them). */
export interface DecodedEntry {
  readonly headers: Record<string, string>;
  readonly value: Buffer;
}

/**
 * Reads an entry's fields back: every field but `data` is a header (UTF-8), `data` is the value.
 * An entry written by someone else without the CloudEvents fields still decodes; core then finds
 * no `ce_id` / `ce_type` / `ce_source` and dead-letters it as `decode-failed`. A repeated field
 * keeps its first value; an entry without `data` has an empty value.
 */
export function decodeEntry(fields: readonly Buffer[]): DecodedEntry {
  const headers: Record<string, string> = {};
  let value: Buffer | undefined;
  const length = fields.length - 1;
  for (let i = 0; i < length; i += 2) {
    const name = fields[i]!;
    if (value === undefined && isDataField(name)) {
      value = fields[i + 1]!;
      continue;
    }
    const key = name.toString('utf8');
    if (headers[key] === undefined) headers[key] = fields[i + 1]!.toString('utf8');
  }
  return { headers, value: value ?? EMPTY };
}

// 'data' as bytes: compared in place, so the data field's name is never made into a string.
const D = 0x64;
const A = 0x61;
const T = 0x74;

function isDataField(name: Buffer): boolean {
  return name.length === 4 && name[0] === D && name[1] === A && name[2] === T && name[3] === A;
}
