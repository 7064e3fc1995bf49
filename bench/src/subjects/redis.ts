import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { uuidv7 } from '../../../packages/core/src/uuid-v7.ts';
import type { BenchData } from '../payload.ts';
import { ceEvent, KeyedQueue, SAME_WORK_CONCURRENCY } from './same-work.ts';
import { decode, encode, switchyardBusSubject } from './switchyard-client.ts';
import type {
  ConsumerClient,
  MissingSubject,
  Outgoing,
  ProducerClient,
  Subject,
  SubjectConfig,
  TransportModule,
} from './types.ts';

const url = (env: Record<string, string>) => env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The bound Switchyard puts on every XADD by default (`topicDefaults.maxMessages`): raw does the same work. */
const TRIM = ['MAXLEN', '~', '1000000'] as const;
/** Entries one raw XREADGROUP takes: the prefetch Switchyard's subscriptions default to. */
const READ_COUNT = 1_000;

function client(env: Record<string, string>, name: string): Redis {
  return new Redis(url(env), { connectionName: name, lazyConnect: true, maxRetriesPerRequest: 3 });
}

/**
 * The stream-entry fields Switchyard writes for an event in CloudEvents binary mode, for the
 * `ioredis+ce` variant: the same names, sizes and order, the data last.
 */
function ceFields(m: Outgoing): Array<string | Buffer> {
  return [
    'ce_id',
    uuidv7(),
    'ce_type',
    'bench.event',
    'ce_source',
    'bench',
    'ce_specversion',
    '1.0',
    'ce_time',
    new Date().toISOString(),
    'ce_partitionkey',
    m.key,
    'content-type',
    'application/json',
    'data',
    encode(m),
  ];
}

/** The plain variant: the key and the data, as a user of Redis Streams would write an event. */
function plainFields(m: Outgoing): Array<string | Buffer> {
  return ['key', m.key, 'data', encode(m)];
}

const raw = rawIoredis({ id: 'ioredis', label: 'raw ioredis', fields: plainFields });
/**
 * Raw ioredis doing a Switchyard subscription's work (consume only): entries read with the string
 * replies of `xreadgroup` (ioredis' documented form), the CloudEvents fields read, the JSON data
 * decoded, events of one key handled one at a time with up to 64 keys at once, and the handled
 * entries acknowledged (one XACK per burst of handled events). Reads stop while 1,000 events are
 * held, as a subscription's prefetch does.
 */
const rawSameWork = rawIoredis({
  id: 'ioredis+same',
  label: 'raw ioredis, same work (CE fields read, keyed, XACK handled)',
  fields: ceFields,
  extra: true,
  sameWork: true,
});
/** Raw ioredis writing the fields Switchyard writes: isolates what the CloudEvents fields cost client and server. */
const rawWithHeaders = rawIoredis({
  id: 'ioredis+ce',
  label: 'raw ioredis + CE fields',
  fields: ceFields,
  extra: true,
});

/**
 * Raw ioredis, used as its docs show: awaited XADD, XADDs in pipelines (`redis.pipeline()` …
 * `exec()`, one per window of in-flight events), and a consumer group read with a blocking
 * `XREADGROUP … COUNT 1000` on a connection of its own and one `XACK` per batch.
 */
function rawIoredis(variant: {
  id: string;
  label: string;
  fields: (m: Outgoing) => Array<string | Buffer>;
  extra?: boolean;
  sameWork?: boolean;
}): Subject {
  const { fields } = variant;
  return {
    id: variant.id,
    label: variant.label,
    ...(variant.extra ? { extra: true } : {}),
    ...(variant.sameWork === true ? { consumeOnly: true } : {}),
    kind: 'raw',
    async prepareTopic(topic, _config, env) {
      const r = client(env, 'bench-raw-admin');
      try {
        await r.connect();
        await r.del(topic);
      } finally {
        r.disconnect();
      }
    },
    async producer(_config, env) {
      const r = client(env, 'bench-raw-producer');
      await r.connect();
      const pipelined = async (topic: string, from: number, to: number, make: (i: number) => Outgoing) => {
        const pipeline = r.pipeline();
        for (let i = from; i < to; i++) pipeline.xadd(topic, ...TRIM, '*', ...fields(make(i)));
        const results = await pipeline.exec();
        const failed = results?.find(([error]) => error !== null);
        if (failed) throw failed[0];
      };
      const producer: ProducerClient = {
        async publish(topic, m) {
          await r.xadd(topic, ...TRIM, '*', ...fields(m));
        },
        async publishMany(topic, count, make, inFlight) {
          for (let i = 0; i < count; i += inFlight)
            await pipelined(topic, i, Math.min(count, i + inFlight), make);
        },
        async emitMany(topic, count, make) {
          const sent: Promise<void>[] = [];
          for (let i = 0; i < count; i += 1_000)
            sent.push(pipelined(topic, i, Math.min(count, i + 1_000), make));
          await Promise.all(sent);
        },
        send(topic, m, onError) {
          r.xadd(topic, ...TRIM, '*', ...fields(m)).catch(onError);
        },
        close: async () => {
          await r.quit();
        },
      };
      return producer;
    },
    async consumer(_config, env) {
      const acks = client(env, 'bench-raw-consumer');
      await acks.connect();
      const readers: Redis[] = [];
      let closed = false;
      const consumer: ConsumerClient = {
        async subscribe(topic, group, onData) {
          await acks.xgroup('CREATE', topic, group, '0', 'MKSTREAM').catch((error: Error) => {
            if (!/BUSYGROUP/.test(error.message)) throw error;
          });
          const reader = acks.duplicate();
          readers.push(reader);
          const name = `${hostname()}-${process.pid}-${readers.length}`;
          if (variant.sameWork === true) {
            void readSameWork(reader, acks, topic, group, name, onData, () => closed);
            return;
          }
          void (async () => {
            while (!closed) {
              const reply = (await reader
                .xreadgroupBuffer(
                  'GROUP',
                  group,
                  name,
                  'COUNT',
                  READ_COUNT,
                  'BLOCK',
                  5_000,
                  'STREAMS',
                  topic,
                  '>',
                )
                .catch(() => null)) as Array<[Buffer, Array<[Buffer, Buffer[]]>]> | null;
              if (reply === null) continue;
              const entries = reply[0]![1];
              const ids: Buffer[] = new Array(entries.length);
              for (let i = 0; i < entries.length; i++) {
                const [id, f] = entries[i]!;
                ids[i] = id;
                for (let k = 0; k < f.length; k += 2) {
                  if (isData(f[k]!)) {
                    onData(decode(f[k + 1]!));
                    break;
                  }
                }
              }
              // One XACK per batch, not awaited: it is pipelined with the next read's work.
              acks.xack(topic, group, ...ids).catch(() => undefined);
            }
          })();
        },
        close: async () => {
          closed = true;
          for (const reader of readers) reader.disconnect();
          await acks.quit();
        },
      };
      return consumer;
    },
  };
}

/** The `ioredis+same` read loop (see `rawSameWork`). */
async function readSameWork(
  reader: Redis,
  acks: Redis,
  topic: string,
  group: string,
  name: string,
  onData: (data: BenchData) => void,
  closed: () => boolean,
): Promise<void> {
  const keyed = new KeyedQueue(SAME_WORK_CONCURRENCY);
  let held = 0;
  let roomFor: (() => void) | undefined;
  let handled: string[] = [];
  const flush = () => {
    const ids = handled;
    handled = [];
    acks.xack(topic, group, ...ids).catch(() => undefined);
  };
  const done = (id: string) => {
    if (handled.length === 0) setImmediate(flush);
    handled.push(id);
    held--;
    if (roomFor !== undefined && held <= READ_COUNT / 2) {
      roomFor();
      roomFor = undefined;
    }
  };
  while (!closed()) {
    if (held >= READ_COUNT) await new Promise<void>((resolve) => (roomFor = resolve));
    const reply = (await reader
      .xreadgroup('GROUP', group, name, 'COUNT', READ_COUNT, 'BLOCK', 5_000, 'STREAMS', topic, '>')
      .catch(() => null)) as Array<[string, Array<[string, string[]]>]> | null;
    if (reply === null) continue;
    for (const [id, list] of reply[0]![1]) {
      const f: Record<string, string> = {};
      for (let k = 0; k < list.length; k += 2) f[list[k]!] = list[k + 1]!;
      const event = ceEvent(
        (field) => f[field],
        'ce_',
        () => JSON.parse(f.data!) as BenchData,
      );
      held++;
      keyed.submit(
        event.key,
        () => onData(event.data),
        () => done(id),
      );
    }
  }
}

const isData = (name: Buffer): boolean =>
  name.length === 4 && name[0] === 0x64 && name[1] === 0x61 && name[2] === 0x74 && name[3] === 0x61;

async function switchyardSubject(): Promise<Subject> {
  const { redis } = await import('@switchyard/adapter-redis');
  const transport = (config: SubjectConfig, env: Record<string, string>) =>
    redis({
      url: url(env),
      ...(typeof config.preset === 'string' ? { preset: config.preset as 'durable' } : {}),
      logger: { warn: () => {}, error: (m) => console.error(m) },
    });
  return switchyardBusSubject('redis', transport);
}

export const redisModule: TransportModule = {
  transport: 'redis',
  async probe(env) {
    const r = new Redis(url(env), { lazyConnect: true, retryStrategy: () => null, connectTimeout: 3_000 });
    r.on('error', () => {});
    try {
      await r.connect();
      const info = await r.info('server');
      const version = /^redis_version:(.+)$/m.exec(info)?.[1]?.trim() ?? '?';
      return { ok: true, version: `redis-server ${version}`, details: { url: url(env) } };
    } catch (error) {
      return {
        ok: false,
        reason: `Redis not reachable at ${url(env)} (${error instanceof Error ? error.message : String(error)}); run infra/up redis`,
      };
    } finally {
      r.disconnect();
    }
  },
  async cleanup(env, marker) {
    let deleted = 0;
    const r = new Redis(url(env), { lazyConnect: true, retryStrategy: () => null });
    r.on('error', () => {});
    try {
      await r.connect();
      let cursor = '0';
      do {
        const [next, keys] = await r.scan(cursor, 'MATCH', `*${marker}*`, 'COUNT', 1_000);
        cursor = next;
        if (keys.length > 0) deleted += await r.del(...keys);
      } while (cursor !== '0');
    } catch {
      // best effort: a server that went away keeps its streams
    } finally {
      r.disconnect();
    }
    return deleted;
  },
  async subjects() {
    const available: Subject[] = [raw, rawWithHeaders, rawSameWork];
    const missing: MissingSubject[] = [];
    try {
      available.unshift(await switchyardSubject());
    } catch (error) {
      missing.push({
        id: 'switchyard',
        label: 'Switchyard (redis)',
        kind: 'switchyard',
        reason: `@switchyard/adapter-redis does not load: ${String(error)}`,
      });
    }
    return { available, missing };
  },
};
