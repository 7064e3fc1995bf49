import { DATA_FIELD } from '@switchyard/adapter-redis';
import type { Redis } from 'ioredis';
import type { OnRecord, RawRecord, ReadOptions } from './backend.ts';
import type { redisClient } from './redis-client.ts';

const PAGE = 256;
type Entry = [Buffer, Buffer[]];

/**
 * Reads a stream with XRANGE (and XREAD BLOCK to follow) on connections of its own: no consumer
 * group is created, joined or moved.
 */
export async function readRedisStream(
  client: Redis,
  connect: () => ReturnType<typeof redisClient>,
  key: string,
  topic: string,
  options: ReadOptions,
  onRecord: OnRecord,
): Promise<void> {
  const last = await client.xrevrange(key, '+', '-', 'COUNT', 1);
  const end = last[0]?.[0]; // the newest entry when the read began
  let cursor: string;
  if (options.from.kind === 'earliest') cursor = '-';
  else if (options.from.kind === 'latest') cursor = end === undefined ? '0-0' : `(${end}`;
  else cursor = `${options.from.time.getTime()}-0`;

  // The entries there are now.
  if (end !== undefined && options.from.kind !== 'latest') {
    for (;;) {
      if (options.signal?.aborted) return;
      const page = (await client.xrangeBuffer(key, cursor, end, 'COUNT', PAGE)) as unknown as Entry[];
      for (const entry of page) if ((await onRecord(toRawRecord(topic, entry))) === false) return;
      if (page.length < PAGE) break;
      cursor = `(${page.at(-1)![0].toString()}`;
    }
  }
  if (!options.follow) return;

  // Then what arrives, on a connection of its own (a blocked connection serves nobody else).
  let after = end ?? '0-0';
  const blocking = connect();
  try {
    await blocking.connect();
    while (!options.signal?.aborted) {
      const reply = (await blocking.xreadBuffer(
        'COUNT',
        PAGE,
        'BLOCK',
        500,
        'STREAMS',
        key,
        after,
      )) as unknown as Array<[Buffer, Entry[]]> | null;
      for (const entry of reply?.[0]?.[1] ?? []) {
        after = entry[0].toString();
        if ((await onRecord(toRawRecord(topic, entry))) === false) return;
      }
    }
  } finally {
    blocking.disconnect();
  }
}

function toRawRecord(topic: string, [id, values]: Entry): RawRecord {
  const headers: Record<string, string> = {};
  let value: Buffer | undefined;
  for (let i = 0; i + 1 < values.length; i += 2) {
    const name = values[i]!.toString();
    if (value === undefined && name === DATA_FIELD) value = values[i + 1]!;
    else if (headers[name] === undefined) headers[name] = values[i + 1]!.toString();
  }
  const position = id.toString();
  return {
    topic,
    position,
    offset: position,
    key: undefined, // the key travels as the ce_partitionkey field
    value: value ?? Buffer.alloc(0),
    headers,
    timestamp: new Date(Number(position.split('-')[0])),
  };
}
