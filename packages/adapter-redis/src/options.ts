import type { Logger, LogLevel, TlsOptions } from '@switchyard/core';
import {
  checkAtLeast as atLeast,
  checkKnownKeys,
  configError,
  rejectOption as configFail,
  consoleLogger,
  definedFields,
  LOG_LEVELS,
  leveledLogger,
  checkPositive as positive,
  checkWholeAtLeast as wholeAtLeast,
} from '@switchyard/core/transport';

/** How a topic's stream is trimmed: the settings of a topic that its `TopicSpec` leaves open. */
export interface RedisTopicDefaults {
  /**
   * Most entries a stream keeps: every XADD carries `MAXLEN ~ maxMessages` (Redis trims whole
   * macro nodes, so a stream may hold a little more). Streams live in the server's memory, so a
   * topic is never unbounded by default; `-1` turns the bound off (then `maxAgeMs` should be set).
   * Trimming ignores consumer groups: an entry a lagging group has not read yet is dropped too.
   * @default 1000000
   */
  readonly maxMessages?: number;
  /**
   * Oldest entry kept, in ms: every XADD (or, beside `maxMessages`, every batch) trims with
   * `MINID ~ <now − maxAgeMs>`. 0 keeps entries until `maxMessages` applies.
   * @default 0
   */
  readonly maxAgeMs?: number;
}

/** TLS settings with core's names (PEM contents or files, `servername`, `rejectUnauthorized`). */
export type RedisTlsOptions = TlsOptions;

export type RedisPreset = 'durable' | 'throughput' | 'latency';

export interface RedisTransportOptions {
  /**
   * Server URL: `redis://[user[:password]@]host[:port][/db]`, or `rediss://…` for TLS.
   * `host`, `port`, `db`, `username`, `password` and `tls` given beside it override its parts.
   * @default 'redis://127.0.0.1:6379'
   */
  readonly url?: string;
  /** Server host. @default from `url` */
  readonly host?: string;
  /** Server port. @default from `url` (6379) */
  readonly port?: number;
  /** Database index. @default from `url` (0) */
  readonly db?: number;
  /**
   * Named trade-off, accepted for uniformity with the other adapters (`SWITCHYARD_REDIS_PRESET`).
   * Redis has no linger, batch size or acks level to trade — every `send` is one write and every
   * read takes what is there — so all three presets resolve to the same settings today.
   * @default 'durable'
   */
  readonly preset?: RedisPreset;
  /** Connection name (`CLIENT SETNAME`) and the first part of consumer names. @default 'switchyard' */
  readonly name?: string;
  /** ACL user (Redis 6+). @default from `url`, else the `default` user */
  readonly username?: string;
  /** Password of `username` (or of `requirepass`). Never logged. @default from `url`, else none */
  readonly password?: string;
  /** TLS; also implied by a `rediss://` URL. @default none */
  readonly tls?: boolean | RedisTlsOptions;
  /**
   * How long `connect` may take before it fails with CONNECTION_FAILED, in ms. 5 s suits a LAN;
   * use 15–30 s in a cloud and 30–60 s across regions.
   * @default 5000
   */
  readonly connectTimeoutMs?: number;
  /**
   * Wait between reconnect attempts after a lost connection, in ms (plus up to 100 ms jitter).
   * @default 1000
   */
  readonly reconnectWaitMs?: number;
  /**
   * Reconnect attempts after a lost connection before the transport gives up; -1 never gives up.
   * @default -1
   */
  readonly maxReconnectAttempts?: number;
  /**
   * How long one publish may take until Redis stored it, waiting for a lost connection included,
   * in ms. A publish still waiting for the connection then fails with NOT_CONNECTED (nothing was
   * written); one already written fails with TIMEOUT and may still be stored, also later (see the README).
   * @default 10000
   */
  readonly publishTimeoutMs?: number;
  /**
   * Lease of a delivered event, in ms: an entry that stays in a member's pending list without its
   * lease being renewed for this long is claimed by another member of the group (XAUTOCLAIM): how
   * soon the events of a crashed instance are redelivered. While an event is in process the
   * transport renews its lease every half of this, up to the subscription's `ackTimeoutMs`.
   * Capped by `ackTimeoutMs`.
   * @default 30000
   */
  readonly ackWaitMs?: number;
  /**
   * How often each member looks for entries whose lease expired (and for entries released by a
   * member that closed), in ms. Capped by half the lease.
   * @default 5000
   */
  readonly claimIntervalMs?: number;
  /**
   * A group member with nothing pending that has not read for this long is removed from the group
   * (`XGROUP DELCONSUMER`): what is left of instances that crashed or scaled away. A live member
   * reads at least every `fetchExpiresMs`, and one removed while paused is re-created by its next read.
   * @default 600000
   */
  readonly idleConsumerTimeoutMs?: number;
  /**
   * How long one blocking read (`XREADGROUP … BLOCK`) waits on the server for events, in ms.
   * @default 5000
   */
  readonly fetchExpiresMs?: number;
  /**
   * Let a publish or a subscription create the stream of a topic nobody ensured. `false` makes
   * publishing to (XADD `NOMKSTREAM`) or consuming a topic without a stream fail with TOPIC_NOT_FOUND.
   * @default true
   */
  readonly autoCreateTopics?: boolean;
  /** Trimming of topics `ensureTopic` did not configure, and what an `ensureTopic` spec leaves open. */
  readonly topicDefaults?: RedisTopicDefaults;
  /**
   * Prefix of stream keys: a topic's stream is `<prefix><topic>` (`switchyard:` keeps them apart
   * from an application's other keys).
   * @default ''
   */
  readonly streamPrefix?: string;
  /**
   * Largest event (data plus header fields) `send` accepts, in bytes; larger ones fail with
   * EVENT_TOO_LARGE before anything is sent. Redis itself takes up to 512 MB per field, but every
   * entry lives in the server's memory.
   * @default 1048576
   */
  readonly maxMessageBytes?: number;
  /**
   * Receives the adapter's log lines (reconnects, entries trimmed before they were acknowledged),
   * prefixed `[switchyard:redis]`, credentials redacted. Any console-shaped logger.
   * @default console
   */
  readonly logger?: Logger;
  /** Lines below this level are dropped. @default 'warn' */
  readonly logLevel?: LogLevel;
}

type Resolved<T> = { readonly [K in keyof T]-?: Exclude<T[K], undefined> };

/** Every option filled in. Credentials are held apart (`credentials`), never in a printable field. */
export interface ResolvedRedisOptions
  extends Omit<
    Resolved<RedisTransportOptions>,
    'url' | 'username' | 'password' | 'tls' | 'topicDefaults' | 'logger'
  > {
  readonly logger: Required<Logger>;
  /** The server as `redis[s]://host:port/db`, without credentials: safe for messages and logs. */
  readonly url: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly tls: RedisTlsOptions | undefined;
  readonly topicDefaults: Resolved<RedisTopicDefaults>;
}

export const DEFAULT_REDIS_TOPIC: Resolved<RedisTopicDefaults> = {
  maxMessages: 1_000_000,
  maxAgeMs: 0,
};

export const DEFAULT_REDIS_OPTIONS = {
  url: 'redis://127.0.0.1:6379',
  host: '127.0.0.1',
  port: 6379,
  db: 0,
  preset: 'durable',
  name: 'switchyard',
  connectTimeoutMs: 5_000,
  reconnectWaitMs: 1_000,
  maxReconnectAttempts: -1,
  publishTimeoutMs: 10_000,
  ackWaitMs: 30_000,
  claimIntervalMs: 5_000,
  idleConsumerTimeoutMs: 600_000,
  fetchExpiresMs: 5_000,
  autoCreateTopics: true,
  topicDefaults: DEFAULT_REDIS_TOPIC,
  streamPrefix: '',
  maxMessageBytes: 1_048_576,
  logger: consoleLogger,
  logLevel: 'warn',
} as const satisfies Omit<ResolvedRedisOptions, 'username' | 'password' | 'tls' | 'logger'> & {
  logger: Logger;
};

export const REDIS_PRESETS: Readonly<Record<RedisPreset, Partial<RedisTransportOptions>>> = {
  durable: {},
  latency: {},
  throughput: {},
};

/** Every option's name: a misspelled one is rejected rather than ignored. */
const REDIS_OPTION_KEYS = Object.keys({
  url: true,
  host: true,
  port: true,
  db: true,
  preset: true,
  name: true,
  username: true,
  password: true,
  tls: true,
  connectTimeoutMs: true,
  reconnectWaitMs: true,
  maxReconnectAttempts: true,
  publishTimeoutMs: true,
  ackWaitMs: true,
  claimIntervalMs: true,
  idleConsumerTimeoutMs: true,
  fetchExpiresMs: true,
  autoCreateTopics: true,
  topicDefaults: true,
  streamPrefix: true,
  maxMessageBytes: true,
  logger: true,
  logLevel: true,
} satisfies Record<keyof RedisTransportOptions, true>);

/** ioredis' names for options this transport names otherwise: the error says which one is meant. */
const IOREDIS_NAMES: Readonly<Record<string, string>> = {
  connectTimeout: 'connectTimeoutMs',
  connectionName: 'name',
  keyPrefix: 'streamPrefix',
  user: 'username',
  pass: 'password',
  retryStrategy: 'reconnectWaitMs', // and maxReconnectAttempts
  commandTimeout: 'publishTimeoutMs',
};

/** Merges defaults, the preset, the URL and the given options; throws INVALID_CONFIG naming the first bad field. */
export function resolveRedisOptions(options: RedisTransportOptions = {}): ResolvedRedisOptions {
  checkKnownKeys(options, REDIS_OPTION_KEYS, '', IOREDIS_NAMES);
  if (options.topicDefaults !== undefined)
    checkKnownKeys(options.topicDefaults, Object.keys(DEFAULT_REDIS_TOPIC), 'topicDefaults.');
  if (options.url !== undefined && typeof options.url !== 'string')
    throw configError('url', `give a URL like redis://127.0.0.1:6379, got ${typeof options.url}`);
  const preset = options.preset ?? DEFAULT_REDIS_OPTIONS.preset;
  if (!(preset in REDIS_PRESETS)) {
    throw configError(
      'preset',
      `must be one of ${Object.keys(REDIS_PRESETS).join(', ')}, got ${JSON.stringify(preset)}`,
    );
  }
  const fromUrl = parseRedisUrl(options.url ?? DEFAULT_REDIS_OPTIONS.url);
  const given = definedFields(options);
  const merged = { ...DEFAULT_REDIS_OPTIONS, ...REDIS_PRESETS[preset], ...given, preset };
  const host = options.host ?? fromUrl.host;
  const port = options.port ?? fromUrl.port;
  const db = options.db ?? fromUrl.db;
  const tls =
    options.tls === true
      ? {}
      : options.tls === false
        ? undefined
        : (options.tls ?? (fromUrl.tls ? {} : undefined));
  const resolved: ResolvedRedisOptions = {
    ...merged,
    host,
    port,
    db,
    url: `${tls === undefined ? 'redis' : 'rediss'}://${host.includes(':') ? `[${host}]` : host}:${port}/${db}`,
    username: options.username ?? fromUrl.username,
    password: options.password ?? fromUrl.password,
    tls,
    topicDefaults: { ...DEFAULT_REDIS_TOPIC, ...definedFields(options.topicDefaults) },
    logger: leveledLogger(
      'redis',
      checkedLogger(merged.logger),
      merged.logLevel,
      [options.password ?? fromUrl.password].filter((x): x is string => x !== undefined),
    ),
  };
  validate(resolved);
  return resolved;
}

interface UrlParts {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly tls: boolean;
  readonly username: string | undefined;
  readonly password: string | undefined;
}

/** Reads `redis://` and `rediss://` URLs; the error never repeats the URL's credentials. */
export function parseRedisUrl(url: string): UrlParts {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw configError('url', `${JSON.stringify(redactUrl(url))} is not a URL like redis://host:6379`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw configError('url', `must start with redis:// or rediss://, got ${JSON.stringify(redactUrl(url))}`);
  }
  const path = parsed.pathname.replace(/^\//, '');
  const db = path === '' ? 0 : Number(path);
  if (!Number.isInteger(db) || db < 0)
    throw configError('url', `the database after the host must be a number, got ${JSON.stringify(path)}`);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  return {
    host: host === '' ? DEFAULT_REDIS_OPTIONS.host : host,
    port: parsed.port === '' ? DEFAULT_REDIS_OPTIONS.port : Number(parsed.port),
    db,
    tls: parsed.protocol === 'rediss:',
    username: parsed.username === '' ? undefined : decodeURIComponent(parsed.username),
    password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password),
  };
}

function validate(o: ResolvedRedisOptions): void {
  if (typeof o.host !== 'string' || o.host.trim() === '' || /\s|\//.test(o.host))
    configFail('host', 'must be a host name or address', o.host);
  wholeBetween('port', o.port, 1, 65_535);
  wholeBetween('db', o.db, 0, 65_535);
  if (o.name === '' || /\s/.test(o.name))
    configFail('name', 'must be a non-empty word without spaces', o.name);
  if (o.username !== undefined && o.password === undefined)
    throw configError('password', 'is required when `username` is set');
  positive('connectTimeoutMs', o.connectTimeoutMs);
  atLeast('reconnectWaitMs', o.reconnectWaitMs, 0);
  wholeAtLeast('maxReconnectAttempts', o.maxReconnectAttempts, -1);
  positive('publishTimeoutMs', o.publishTimeoutMs);
  atLeast('ackWaitMs', o.ackWaitMs, 1_000);
  atLeast('claimIntervalMs', o.claimIntervalMs, 10);
  atLeast('idleConsumerTimeoutMs', o.idleConsumerTimeoutMs, 1_000);
  atLeast('fetchExpiresMs', o.fetchExpiresMs, 1);
  wholeAtLeast('maxMessageBytes', o.maxMessageBytes, 1);
  if (!/^[A-Za-z0-9_.:{}-]*$/.test(o.streamPrefix)) {
    throw configError('streamPrefix', 'may hold only letters, digits and `_ . : - { }`');
  }
  if (typeof o.autoCreateTopics !== 'boolean')
    configFail('autoCreateTopics', 'must be true or false', o.autoCreateTopics);
  const t = o.topicDefaults;
  wholeAtLeast('topicDefaults.maxMessages', t.maxMessages, -1);
  if (t.maxMessages === 0) configFail('topicDefaults.maxMessages', 'must be -1 (no bound) or >= 1', 0);
  atLeast('topicDefaults.maxAgeMs', t.maxAgeMs, 0);
  if (o.tls !== undefined && (typeof o.tls !== 'object' || o.tls === null))
    configFail('tls', 'must be true or an object like { caFile }', o.tls);
  if (!LOG_LEVELS.includes(o.logLevel))
    configFail('logLevel', `must be one of ${LOG_LEVELS.join(', ')}`, o.logLevel);
}

function wholeBetween(field: string, value: number, min: number, max: number): void {
  if (!(Number.isInteger(value) && value >= min && value <= max))
    configFail(field, `must be a whole number from ${min} to ${max}`, value);
}

/** Hides `user:password@` in a URL so it can appear in errors and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@\s]*@/, '//***@');
}

function checkedLogger(logger: Logger): Logger {
  if (typeof logger?.warn !== 'function' || typeof logger.error !== 'function') {
    throw configError('logger', 'must have warn(message) and error(message) functions, like console');
  }
  return logger;
}
