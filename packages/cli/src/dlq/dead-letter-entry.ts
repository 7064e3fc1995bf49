import type { RawRecord } from '../backends/backend.ts';
import { type DeadLetterInfo, deadLetterOf } from '../decode.ts';

/** Headers a redrive sets on each event it republishes. */
export const REDRIVE_HEADERS = {
  /** How many times this event has been redriven (1 on the first redrive). */
  count: 'switchyard-redrive-count',
  /** The dead letter it came from: `<dead-letter topic>@<position>`. */
  from: 'switchyard-redrive-from',
} as const;

/**
 * Headers that describe one trip through a broker, not the event: the dead-letter reasons, the
 * Kafka adapter's retry-topic bookkeeping, NATS's de-duplication id (the bus sets it again from
 * the event id), and a previous redrive's headers (set anew).
 */
const TRIP_HEADER =
  /^(switchyard-(dlq|retry|original|redrive)-|switchyard-attempt$|nats-msg-id$|nats-expected-)/i;

/** A dead letter as a redrive sees it. */
export interface DeadLetterEntry {
  readonly record: RawRecord;
  readonly dead: DeadLetterInfo | undefined;
  /** The CloudEvents attributes, when the entry carries them (binary mode). */
  readonly event: CloudEventAttributes | undefined;
  /** Redrives before this one (the `switchyard-redrive-count` the event carried when it failed). */
  readonly redrives: number;
  /** When it was dead-lettered: the dead-letter header, else the broker's timestamp. */
  readonly deadLetteredAt: Date;
}

export interface CloudEventAttributes {
  readonly id: string;
  readonly type: string;
  readonly source: string;
  readonly time?: string;
  readonly subject?: string;
  readonly dataschema?: string;
  readonly key?: string;
  readonly tenant?: string;
  readonly correlationid?: string;
  readonly datacontenttype: string;
  /** Every header that is not a CloudEvents attribute nor about this trip (trace context, user headers). */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Reads the CloudEvents attributes from the headers without decoding the data: a redrive sends
 * the data on exactly as it arrived, whatever its content type (core's `fromWire` would decode it,
 * and an event dead-lettered as undecodable must still be movable once a consumer can read it).
 */
export function deadLetterEntry(record: RawRecord, prefix: string): DeadLetterEntry {
  const h = record.headers;
  const dead = deadLetterOf(h);
  const attribute = (name: string) => h[`${prefix}${name}`];
  const id = attribute('id');
  const type = attribute('type');
  const source = attribute('source');
  let event: CloudEventAttributes | undefined;
  if (id !== undefined && type !== undefined && source !== undefined) {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(h)) {
      if (!name.startsWith(prefix) && name !== 'content-type' && !TRIP_HEADER.test(name))
        headers[name] = value;
    }
    const optional: Record<string, string> = {};
    for (const name of ['time', 'subject', 'dataschema', 'tenant', 'correlationid'] as const) {
      const value = attribute(name);
      if (value !== undefined) optional[name] = value;
    }
    const key = attribute('partitionkey') ?? record.key;
    event = {
      id,
      type,
      source,
      ...optional,
      ...(key === undefined ? {} : { key }),
      datacontenttype: h['content-type'] ?? 'application/json',
      headers,
    };
  }
  const redrives = Number(h[REDRIVE_HEADERS.count] ?? 0);
  const time = dead?.time === undefined ? Number.NaN : Date.parse(dead.time);
  return {
    record,
    dead,
    event,
    redrives: Number.isSafeInteger(redrives) && redrives > 0 ? redrives : 0,
    deadLetteredAt: Number.isNaN(time) ? record.timestamp : new Date(time),
  };
}
