import { redis, redisOptionsFromEnv, resolveRedisOptions, toRedisError } from '@switchyard/adapter-redis';
import type { Logger } from '@switchyard/core';
import type { Backend, GroupLag, TopicInfo } from './backend.ts';
import { fields, redisClient } from './redis-client.ts';
import { readRedisStream } from './redis-reader.ts';

type Env = Readonly<Record<string, string | undefined>>;
type Operation = 'connect' | 'consume' | 'topic-admin' | 'lag';

/** Redis Streams through ioredis: a topic is a stream key (`streamPrefix` + topic), a group a consumer group. */
export function redisBackend(env: Env, logger: Logger): Backend {
  const given = redisOptionsFromEnv(env);
  const options = resolveRedisOptions(given); // refuses bad settings here, before any command runs
  const client = redisClient(options, 'admin');
  let connected: Promise<void> | undefined;
  const fail = (operation: Operation, topic?: string) => (error: unknown) => {
    throw toRedisError(error, { operation, server: options.url, ...(topic === undefined ? {} : { topic }) });
  };
  const ready = () => {
    connected ??= client.connect().catch((error: unknown) => {
      connected = undefined;
      return fail('connect')(error);
    });
    return connected;
  };
  const key = (topic: string) => `${options.streamPrefix}${topic}`;

  const describe = async (topic: string): Promise<TopicInfo | undefined> => {
    if ((await client.type(key(topic))) !== 'stream') return undefined;
    const reply = await client.xinfo('STREAM', key(topic)).catch((error: unknown) => {
      if (/no such key/i.test(String(error))) return undefined; // deleted since TYPE (by another process)
      throw error;
    });
    if (reply === undefined) return undefined;
    const info = fields(reply);
    // ensureTopic keeps the trimming in a hash beside the stream (see adapter-redis).
    const trim = await client.hgetall(`${key(topic)}:switchyard`);
    const maxAgeMs = Number(trim.maxAgeMs ?? 0);
    return {
      name: topic,
      partitions: 1,
      messages: Number(info.length),
      retentionMs: maxAgeMs > 0 ? maxAgeMs : -1,
      details: {
        stream: key(topic),
        maxMessages: Number(trim.maxMessages ?? options.topicDefaults.maxMessages),
        groups: Number(info.groups),
        lastId: String(info['last-generated-id']),
      },
    };
  };

  return {
    name: 'redis',
    headerPrefix: 'ce_',
    endpoint: options.url,
    createTransport: () => redis({ ...given, logger }),

    async listTopics(matches = () => true) {
      await ready();
      const topics: TopicInfo[] = [];
      try {
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(
            cursor,
            'MATCH',
            `${options.streamPrefix}*`,
            'COUNT',
            1000,
            'TYPE',
            'stream',
          );
          cursor = next;
          for (const k of keys) {
            const topic = k.slice(options.streamPrefix.length);
            if (!matches(topic)) continue;
            const info = await describe(topic);
            if (info !== undefined) topics.push(info);
          }
        } while (cursor !== '0');
      } catch (error) {
        fail('topic-admin')(error);
      }
      return topics.sort((a, b) => a.name.localeCompare(b.name));
    },

    async describeTopic(topic) {
      await ready();
      return describe(topic).catch(fail('topic-admin', topic));
    },

    async read(topic, readOptions, onRecord) {
      await ready();
      await readRedisStream(
        client,
        () => redisClient(options, 'reader'),
        key(topic),
        topic,
        readOptions,
        onRecord,
      ).catch(fail('consume', topic));
    },

    async lag(topic, group) {
      await ready();
      const lags: GroupLag[] = [];
      try {
        const end = String(fields(await client.xinfo('STREAM', key(topic)))['last-generated-id']);
        for (const reply of (await client.xinfo('GROUPS', key(topic))) as unknown[]) {
          const g = fields(reply);
          const name = String(g.name);
          if (group !== undefined && name !== group) continue;
          const delivered = String(g['last-delivered-id']);
          // Redis 7 counts what the group has not been given (`lag`), null when it cannot tell.
          const undelivered =
            typeof g.lag === 'number'
              ? g.lag
              : (await client.xrange(key(topic), `(${delivered}`, '+')).length;
          const pending = Number(g.pending);
          const lag = undelivered + pending;
          lags.push({
            group: name,
            topic,
            known: true,
            lag,
            ackPending: pending,
            partitions: [{ partition: key(topic), committed: delivered, end, lag }],
          });
        }
      } catch (error) {
        fail('lag', topic)(error);
      }
      return lags.sort((a, b) => a.group.localeCompare(b.group));
    },

    async deleteRecord(record) {
      await ready();
      await client.xdel(key(record.topic), record.position).catch(fail('topic-admin', record.topic));
    },

    async describeCluster() {
      await ready();
      const info = await client.info('server').catch(fail('topic-admin'));
      const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
      return { version: field('redis_version'), mode: field('redis_mode'), server: options.url };
    },

    async close() {
      client.disconnect();
    },
  };
}
