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

/** How streams are stored and retained: the settings of a topic that its `TopicSpec` leaves open. */
export interface NatsTopicDefaults {
  /**
   * `file` survives a server restart; `memory` is faster and lost with the server.
   * @default 'file'
   */
  readonly storage?: 'file' | 'memory';
  /**
   * `limits` keeps events until max age / bytes / messages; `workqueue` deletes each event once
   * acknowledged (one consumer group per topic at most); `interest` keeps events until every group
   * that existed when they arrived acknowledged them.
   * @default 'limits'
   */
  readonly retention?: 'limits' | 'workqueue' | 'interest';
  /**
   * Stream replicas (1 on a single server; 3 or 5 in a cluster).
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Window in which the server drops an event whose id it has already stored, in ms.
   * A retried publish inside it cannot double an event.
   * @default 120000 (the server's own default, 2 minutes)
   */
  readonly duplicateWindowMs?: number;
  /**
   * Oldest event kept, in ms; 0 keeps events until another limit applies.
   * @default 0
   */
  readonly maxAgeMs?: number;
  /**
   * Largest stream size in bytes; -1 is unlimited.
   * @default -1
   */
  readonly maxBytes?: number;
  /**
   * Most events kept; -1 is unlimited.
   * @default -1
   */
  readonly maxMessages?: number;
}

/**
 * TLS settings, with core's names (PEM contents or files, `servername`, `rejectUnauthorized`), plus
 * NATS's `handshakeFirst`. `tls: true` means TLS with the system's CAs.
 */
export interface NatsTlsOptions extends TlsOptions {
  /** Start TLS before the server's INFO (server option `handshake_first`). @default false */
  readonly handshakeFirst?: boolean;
}

export type NatsPreset = 'durable' | 'throughput' | 'latency';

export interface NatsTransportOptions {
  /**
   * Server URLs, e.g. `nats://127.0.0.1:4222` or `tls://nats.internal:4222`. Several give failover.
   * @default 'nats://127.0.0.1:4222'
   */
  readonly servers?: string | readonly string[];
  /**
   * Named trade-off. NATS has no linger or acks level to trade, so presets differ only in how many
   * publishes may await their acknowledgement at once: `durable` and `latency` 1024, `throughput` 8192.
   * Any field set here overrides the preset.
   * @default 'durable'
   */
  readonly preset?: NatsPreset;
  /** Connection name shown by the server's monitoring. @default 'switchyard' */
  readonly name?: string;
  /** User for user/password authentication. @default none */
  readonly user?: string;
  /** Password for user/password authentication. Never logged. @default none */
  readonly password?: string;
  /** Token authentication. Never logged. @default none */
  readonly token?: string;
  /** NKey seed (starts with `SU`) for nkey authentication. Never logged. @default none */
  readonly nkeySeed?: string;
  /** TLS; also implied by a `tls://` server URL. @default none */
  readonly tls?: boolean | NatsTlsOptions;
  /**
   * How long `connect` may take before it fails with CONNECTION_FAILED, in ms. 5 s suits a LAN;
   * use 15–30 s in a cloud and 30–60 s across regions.
   * @default 5000
   */
  readonly connectTimeoutMs?: number;
  /**
   * Wait between reconnect attempts, in ms (the client adds jitter).
   * @default 1000
   */
  readonly reconnectWaitMs?: number;
  /**
   * Reconnect attempts after a lost connection before the transport gives up; -1 never gives up.
   * @default -1
   */
  readonly maxReconnectAttempts?: number;
  /**
   * How long one publish may take until the stream acknowledged it, retries included, in ms.
   * Retries reuse the event id, so the server's duplicate window keeps them from doubling an event.
   * @default 10000
   */
  readonly publishTimeoutMs?: number;
  /**
   * How long one publish request waits for its acknowledgement before it is sent again, in ms.
   * @default 2000
   */
  readonly publishAttemptTimeoutMs?: number;
  /**
   * Publishes awaiting their acknowledgement at once (the pipelining window). When full, `send`
   * waits: this is the transport's backpressure. Set by the preset unless given.
   * @default 1024
   */
  readonly maxPendingAcks?: number;
  /**
   * JetStream `ack_wait` of group consumers, in ms: how soon the events a crashed instance held are
   * redelivered. While an event is in process the transport extends its lease (`working()`) every
   * half of this, up to the subscription's `ackTimeoutMs`. Capped by `ackTimeoutMs`.
   * @default 30000
   */
  readonly ackWaitMs?: number;
  /**
   * `max_ack_pending` of group consumers: unacknowledged events across all instances of a group.
   * Each instance also holds at most its subscription's `prefetch`.
   * @default 10000
   */
  readonly maxAckPending?: number;
  /**
   * Deliveries allowed beyond the subscription's retry attempts before the server stops
   * redelivering an event. Core dead-letters after its attempts; the slack covers crashes mid-handler.
   * @default 5
   */
  readonly maxDeliverSlack?: number;
  /**
   * How long one pull request waits on the server for events, in ms (nats.js minimum 1000).
   * @default 30000
   */
  readonly fetchExpiresMs?: number;
  /**
   * Create a stream with `topicDefaults` when a topic is published to or consumed before
   * `ensureTopic` made it. `false` makes such use fail with TOPIC_NOT_FOUND.
   * @default true
   */
  readonly autoCreateTopics?: boolean;
  /** Stream settings for auto-created topics and for what an `ensureTopic` spec leaves open. */
  readonly topicDefaults?: NatsTopicDefaults;
  /**
   * Prefix of stream names. A topic's stream is `<prefix><topic with '.' as '_'>`.
   * @default ''
   */
  readonly streamPrefix?: string;
  /**
   * Topics carried by core NATS (at-most-once, no stream), besides those ensured with
   * `durability: 'ephemeral'`.
   * @default []
   */
  readonly ephemeralTopics?: readonly string[];
  /**
   * Events an ephemeral subscription holds while its consumer is paused; beyond it they are dropped and counted.
   * @default 10000
   */
  readonly ephemeralBufferLimit?: number;
  /**
   * Largest event the transport claims before it has connected (then the server's `max_payload` counts), in bytes.
   * @default 1048576 (the server's default max_payload)
   */
  readonly maxMessageBytes?: number;
  /**
   * Receives the adapter's log lines (ignored topic settings, reconnects, dropped ephemeral events),
   * prefixed `[switchyard:nats]`, credentials redacted. Any console-shaped logger.
   * @default console
   */
  readonly logger?: Logger;
  /** Lines below this level are dropped. @default 'warn' */
  readonly logLevel?: LogLevel;
}

type Resolved<T> = { readonly [K in keyof T]-?: Exclude<T[K], undefined> };

export interface ResolvedNatsOptions
  extends Omit<
    Resolved<NatsTransportOptions>,
    'servers' | 'user' | 'password' | 'token' | 'nkeySeed' | 'tls' | 'topicDefaults' | 'logger'
  > {
  readonly logger: Required<Logger>;
  readonly servers: readonly string[];
  readonly user: string | undefined;
  readonly password: string | undefined;
  readonly token: string | undefined;
  readonly nkeySeed: string | undefined;
  readonly tls: NatsTlsOptions | undefined;
  readonly topicDefaults: Resolved<NatsTopicDefaults>;
}

export const DEFAULT_NATS_TOPIC: Resolved<NatsTopicDefaults> = {
  storage: 'file',
  retention: 'limits',
  replicas: 1,
  duplicateWindowMs: 120_000,
  maxAgeMs: 0,
  maxBytes: -1,
  maxMessages: -1,
};

export const DEFAULT_NATS_OPTIONS = {
  servers: ['nats://127.0.0.1:4222'],
  preset: 'durable',
  name: 'switchyard',
  connectTimeoutMs: 5_000,
  reconnectWaitMs: 1_000,
  maxReconnectAttempts: -1,
  publishTimeoutMs: 10_000,
  publishAttemptTimeoutMs: 2_000,
  maxPendingAcks: 1_024,
  ackWaitMs: 30_000,
  maxAckPending: 10_000,
  maxDeliverSlack: 5,
  fetchExpiresMs: 30_000,
  autoCreateTopics: true,
  topicDefaults: DEFAULT_NATS_TOPIC,
  streamPrefix: '',
  ephemeralTopics: [],
  ephemeralBufferLimit: 10_000,
  maxMessageBytes: 1_048_576,
  logger: consoleLogger,
  logLevel: 'warn',
} as const satisfies Omit<
  ResolvedNatsOptions,
  'user' | 'password' | 'token' | 'nkeySeed' | 'tls' | 'logger'
> & {
  logger: Logger;
};

export const NATS_PRESETS: Readonly<Record<NatsPreset, Partial<NatsTransportOptions>>> = {
  durable: { maxPendingAcks: 1_024 },
  latency: { maxPendingAcks: 1_024 },
  throughput: { maxPendingAcks: 8_192 },
};

/** Every option's name: a misspelled one is rejected rather than ignored. */
const NATS_OPTION_KEYS = Object.keys({
  servers: true,
  preset: true,
  name: true,
  user: true,
  password: true,
  token: true,
  nkeySeed: true,
  tls: true,
  connectTimeoutMs: true,
  reconnectWaitMs: true,
  maxReconnectAttempts: true,
  publishTimeoutMs: true,
  publishAttemptTimeoutMs: true,
  maxPendingAcks: true,
  ackWaitMs: true,
  maxAckPending: true,
  maxDeliverSlack: true,
  fetchExpiresMs: true,
  autoCreateTopics: true,
  topicDefaults: true,
  streamPrefix: true,
  ephemeralTopics: true,
  ephemeralBufferLimit: true,
  maxMessageBytes: true,
  logger: true,
  logLevel: true,
} satisfies Record<keyof NatsTransportOptions, true>);

/** The fields of `tls`, as nats.js takes them. */
export const NATS_TLS_KEYS = Object.keys({
  ca: true,
  caFile: true,
  cert: true,
  certFile: true,
  key: true,
  keyFile: true,
  servername: true,
  rejectUnauthorized: true,
  handshakeFirst: true,
} satisfies Record<keyof NatsTlsOptions, true>) as ReadonlyArray<keyof NatsTlsOptions>;

/** A nested option given at the top level (`handshakeFirst` for `tls.handshakeFirst`): the error names it. */
const NESTED_NAMES: Readonly<Record<string, string>> = Object.fromEntries([
  ...NATS_TLS_KEYS.map((key) => [key, `tls.${key}`]),
  ...Object.keys(DEFAULT_NATS_TOPIC).map((key) => [key, `topicDefaults.${key}`]),
]);

/** nats.js' names for options this transport names otherwise: the error says which one is meant. */
const NATS_CLIENT_NAMES: Readonly<Record<string, string>> = {
  pass: 'password',
  timeout: 'connectTimeoutMs',
  reconnectTimeWait: 'reconnectWaitMs',
  authenticator: 'nkeySeed', // or user/password, token
};

/** Merges defaults, the preset and the given options; throws INVALID_CONFIG naming the first bad field. */
export function resolveNatsOptions(options: NatsTransportOptions = {}): ResolvedNatsOptions {
  checkKnownKeys(options, NATS_OPTION_KEYS, '', { ...NESTED_NAMES, ...NATS_CLIENT_NAMES });
  if (options.topicDefaults !== undefined)
    checkKnownKeys(options.topicDefaults, Object.keys(DEFAULT_NATS_TOPIC), 'topicDefaults.');
  if (typeof options.tls === 'object' && options.tls !== null)
    checkKnownKeys(options.tls, NATS_TLS_KEYS, 'tls.');
  checkServers(options.servers);
  const preset = options.preset ?? DEFAULT_NATS_OPTIONS.preset;
  if (!(preset in NATS_PRESETS)) {
    throw configError(
      'preset',
      `must be one of ${Object.keys(NATS_PRESETS).join(', ')}, got ${JSON.stringify(preset)}`,
    );
  }
  const given = definedFields(options);
  const merged = { ...DEFAULT_NATS_OPTIONS, ...NATS_PRESETS[preset], ...given, preset };
  const servers = typeof merged.servers === 'string' ? merged.servers.split(',') : [...merged.servers];
  const topicDefaults = { ...DEFAULT_NATS_TOPIC, ...definedFields(options.topicDefaults) };
  const resolved: ResolvedNatsOptions = {
    ...merged,
    servers: servers.map((s) => s.trim()).filter((s) => s.length > 0),
    user: options.user,
    password: options.password,
    token: options.token,
    nkeySeed: options.nkeySeed,
    tls: options.tls === true ? {} : options.tls === false ? undefined : options.tls,
    topicDefaults,
    logger: leveledLogger(
      'nats',
      checkedLogger(merged.logger),
      merged.logLevel,
      [options.password, options.token, options.nkeySeed].filter((x): x is string => x !== undefined),
    ),
    ephemeralTopics: [...merged.ephemeralTopics],
  };
  validate(resolved);
  return resolved;
}

/** `servers` is a URL, a comma-separated list of them, or an array of URLs. */
function checkServers(servers: unknown): void {
  if (servers === undefined || typeof servers === 'string') return;
  if (Array.isArray(servers) && servers.every((s) => typeof s === 'string')) return;
  throw configError(
    'servers',
    `give a server URL or a list of them, e.g. 'nats://127.0.0.1:4222', got ${typeof servers === 'object' ? 'a list with a non-string' : typeof servers}`,
  );
}

function validate(o: ResolvedNatsOptions): void {
  if (o.servers.length === 0)
    throw configError('servers', 'give at least one server URL, e.g. nats://127.0.0.1:4222');
  for (const server of o.servers) {
    if (!/^((nats|tls|ws|wss):\/\/)?[^\s/]+(:\d+)?\/?$/.test(server)) {
      throw configError(
        'servers',
        `${JSON.stringify(redactUrl(server))} is not a server URL like nats://host:4222`,
      );
    }
  }
  if (o.password !== undefined && o.user === undefined)
    throw configError('user', 'is required when `password` is set');
  const authKinds = [o.user !== undefined, o.token !== undefined, o.nkeySeed !== undefined].filter(
    Boolean,
  ).length;
  if (authKinds > 1) throw configError('token', 'choose one of user/password, token or nkeySeed');
  if (o.nkeySeed !== undefined && !/^SU[A-Z2-7]{56}$/.test(o.nkeySeed)) {
    throw configError('nkeySeed', 'is not a user nkey seed (58 base32 characters starting with SU)');
  }
  positive('connectTimeoutMs', o.connectTimeoutMs);
  atLeast('reconnectWaitMs', o.reconnectWaitMs, 0);
  wholeAtLeast('maxReconnectAttempts', o.maxReconnectAttempts, -1);
  positive('publishTimeoutMs', o.publishTimeoutMs);
  positive('publishAttemptTimeoutMs', o.publishAttemptTimeoutMs);
  if (o.publishAttemptTimeoutMs > o.publishTimeoutMs) {
    throw configError('publishAttemptTimeoutMs', `must not exceed publishTimeoutMs (${o.publishTimeoutMs})`);
  }
  wholeAtLeast('maxPendingAcks', o.maxPendingAcks, 1);
  atLeast('ackWaitMs', o.ackWaitMs, 1_000);
  wholeAtLeast('maxAckPending', o.maxAckPending, 1);
  wholeAtLeast('maxDeliverSlack', o.maxDeliverSlack, 0);
  atLeast('fetchExpiresMs', o.fetchExpiresMs, 1_000);
  wholeAtLeast('ephemeralBufferLimit', o.ephemeralBufferLimit, 0);
  wholeAtLeast('maxMessageBytes', o.maxMessageBytes, 1);
  if (!/^[A-Za-z0-9_-]*$/.test(o.streamPrefix)) {
    throw configError('streamPrefix', 'may hold only letters, digits, `_` and `-`');
  }
  const t = o.topicDefaults;
  if (t.storage !== 'file' && t.storage !== 'memory')
    configFail('topicDefaults.storage', `must be 'file' or 'memory'`, t.storage);
  if (!['limits', 'workqueue', 'interest'].includes(t.retention)) {
    configFail('topicDefaults.retention', `must be 'limits', 'workqueue' or 'interest'`, t.retention);
  }
  wholeAtLeast('topicDefaults.replicas', t.replicas, 1);
  atLeast('topicDefaults.duplicateWindowMs', t.duplicateWindowMs, 0);
  atLeast('topicDefaults.maxAgeMs', t.maxAgeMs, 0);
  wholeAtLeast('topicDefaults.maxBytes', t.maxBytes, -1);
  wholeAtLeast('topicDefaults.maxMessages', t.maxMessages, -1);
  if (!LOG_LEVELS.includes(o.logLevel))
    configFail('logLevel', `must be one of ${LOG_LEVELS.join(', ')}`, o.logLevel);
}

function checkedLogger(logger: Logger): Logger {
  if (typeof logger?.warn !== 'function' || typeof logger.error !== 'function') {
    throw configError('logger', 'must have warn(message) and error(message) functions, like console');
  }
  return logger;
}

/** Hides `user:password@` in a URL so it can appear in errors and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@\s]*@/, '//***@');
}
