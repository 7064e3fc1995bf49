import { EventBusError } from '@switchyard/core';
import { type OutboundMessage, type SendOutcome, waitAtMost } from '@switchyard/core/transport';
import type { Redis } from 'ioredis';
import type { RedisConnection } from './connection.ts';
import { toEventBusError } from './map-error.ts';
import type { ResolvedRedisOptions } from './options.ts';
import type { TopicSettings, TrimSettings } from './topic-settings.ts';
import {
  type EncodedFields,
  encodeFields,
  encodeXadds,
  type XaddCommand,
  type XaddPrefix,
  xaddPrefix,
} from './xadd-encoder.ts';

/**
 * Publishing: one `send` (core hands over everything published in one tick) becomes that many
 * XADDs written at once — one socket write, one round trip — each trimmed by its topic's settings.
 * Publishes wait for a lost connection up to `publishTimeoutMs` and are written only once it is
 * back, so one that fails with NOT_CONNECTED was never stored.
 */
export class StreamPublisher {
  readonly #connection: RedisConnection;
  readonly #options: ResolvedRedisOptions;
  readonly #topics: TopicSettings;
  #messages = 0;
  #bytes = 0;
  #idle: Array<() => void> = [];
  /** Each topic's XADD prefix, made once while its trim settings (the object) stay the same. */
  readonly #prefixes = new Map<string, { settings: TrimSettings; prefix: XaddPrefix }>();

  constructor(connection: RedisConnection, options: ResolvedRedisOptions, topics: TopicSettings) {
    this.#connection = connection;
    this.#options = options;
    this.#topics = topics;
  }

  /** Events handed to `send` and not yet stored (or failed). */
  get pending(): number {
    return this.#messages;
  }

  get pendingBytes(): number {
    return this.#bytes;
  }

  /** Resolves when no send is in progress. */
  idle(): Promise<void> {
    if (this.#messages === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async send(messages: readonly OutboundMessage[]): Promise<readonly SendOutcome[]> {
    const started = performance.now();
    const deadline = started + this.#options.publishTimeoutMs;
    const outcomes: SendOutcome[] = new Array(messages.length);
    const commands: Pending[] = [];
    let bytes = 0;
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i]!;
      try {
        const fields = encodeFields(message);
        if (fields.size > this.#options.maxMessageBytes) {
          outcomes[i] = failed(tooLarge(message, fields.size, this.#options.maxMessageBytes));
          continue;
        }
        bytes += fields.size;
        commands.push({ index: i, topic: message.topic, key: this.#topics.streamKey(message.topic), fields });
      } catch (error) {
        outcomes[i] = failed(toEventBusError(error, { operation: 'publish', topic: message.topic }));
      }
    }
    if (commands.length === 0) return outcomes;
    this.#messages += commands.length;
    this.#bytes += bytes;
    try {
      await this.#write(commands, outcomes, deadline);
    } finally {
      this.#messages -= commands.length;
      this.#bytes -= bytes;
      if (this.#messages === 0) for (const resolve of this.#idle.splice(0)) resolve();
    }
    return outcomes;
  }

  async #write(commands: readonly Pending[], outcomes: SendOutcome[], deadline: number): Promise<void> {
    const failAll = (error: EventBusError) => {
      for (const c of commands) outcomes[c.index] ??= failed(error);
    };
    // Connected (the usual case): written in this call, not a microtask later — a burst's first
    // sends then leave while the caller still publishes the rest (core hands them over in chunks).
    if (!this.#connection.ready && !(await this.#connection.whenReady(deadline))) {
      failAll(
        new EventBusError(
          'NOT_CONNECTED',
          `Redis publish to ${this.#options.url} failed: not connected within publishTimeoutMs ${this.#options.publishTimeoutMs}${this.#connection.lastCause === undefined ? '' : ` (last error: ${this.#connection.lastCause})`}. Nothing was stored; publish again.`,
          { retriable: true, details: { operation: 'publish' } },
        ),
      );
      return;
    }
    // Topics this process has not published to yet: their trim settings are read beside these
    // entries, not before them (a round trip that held a new topic's first events back until the
    // caller's whole burst was built), and their streams trimmed to them once read.
    const trimming = this.#trimUnknown(commands);
    const now = Date.now();
    let lastTopic: string | undefined;
    let prefix: XaddPrefix | undefined;
    let minIds: Map<string, string> | undefined;
    const entries: Array<{ prefix: XaddPrefix; fields: EncodedFields }> = new Array(commands.length);
    for (let n = 0; n < commands.length; n++) {
      const c = commands[n]!;
      if (c.topic !== lastTopic || prefix === undefined) {
        lastTopic = c.topic;
        const s = this.#topics.known(c.topic) ?? UNTRIMMED;
        prefix = this.#prefix(c.topic, c.key, s, now);
        // One bound per XADD: by count when both are set, and by age once per batch beside it.
        if (s.maxMessages > 0 && s.maxAgeMs > 0) {
          minIds ??= new Map();
          minIds.set(c.key, minId(s, now));
        }
      }
      entries[n] = { prefix, fields: c.fields };
    }
    const xadds = encodeXadds(entries);
    const written = writeCommands(this.#connection.client, xadds, minIds);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - performance.now()));
    });
    let results: Array<[Error | null, unknown]> | 'timeout';
    try {
      results = await Promise.race([written, timeout]);
    } catch (error) {
      failAll(toEventBusError(error, { operation: 'publish', topic: commands[0]!.topic }));
      return;
    } finally {
      clearTimeout(timer);
    }
    // Read settings and trim before the outcomes (its reply comes right after the XADDs'); a
    // failed trim leaves the entries stored, and the next XADDs to the topic trim it.
    if (trimming !== undefined) {
      await waitAtMost(trimming, Math.max(0, deadline - performance.now()));
      const replies = results;
      if (replies !== 'timeout')
        void trimming.then((untrimmed) => this.#warnUntrimmed(untrimmed, commands, replies));
    }
    if (results === 'timeout') {
      failAll(
        new EventBusError(
          'TIMEOUT',
          `Redis publish to ${this.#options.url} did not complete within publishTimeoutMs ${this.#options.publishTimeoutMs}. The event may still be stored, also later (a stalled server stores what it received when it resumes); a retry can store it twice (same event id).`,
          { retriable: true, details: { operation: 'publish' } },
        ),
      );
      return;
    }
    for (let n = 0; n < commands.length; n++) {
      const c = commands[n]!;
      const [error, id] = results[n] ?? [new Error('no reply'), null];
      if (error !== null)
        outcomes[c.index] = failed(toEventBusError(error, { operation: 'publish', topic: c.topic }));
      else if (id === null) outcomes[c.index] = failed(missingTopic(c.topic, c.key));
      else outcomes[c.index] = { ok: true, receipt: { stream: c.key, offset: String(id) } };
    }
  }

  /** `xadd <key> <trim> *` of a topic; kept while its settings (the object) stay, unless an age bound (MINID moves). */
  #prefix(topic: string, key: string, s: TrimSettings, now: number): XaddPrefix {
    const cached = this.#prefixes.get(topic);
    if (cached !== undefined && cached.settings === s) return cached.prefix;
    let trim: string[] = s.maxMessages > 0 ? maxLen(s) : [];
    if (s.maxAgeMs > 0 && trim.length === 0) trim = ['MINID', '~', minId(s, now)];
    if (!this.#options.autoCreateTopics) trim = ['NOMKSTREAM', ...trim];
    const prefix = xaddPrefix(key, trim);
    if (s.maxAgeMs === 0 && (cached !== undefined || this.#prefixes.size < 1_024))
      this.#prefixes.set(topic, { settings: s, prefix });
    return prefix;
  }

  /**
   * Reads the settings of the batch's topics that are not known yet and trims their streams to
   * them; resolves with the topics it could not trim. Undefined when every topic's settings are
   * known (`TopicSettings.known`), the usual case, which costs no array.
   */
  #trimUnknown(commands: ReadonlyArray<{ topic: string; key: string }>): Promise<Untrimmed[]> | undefined {
    let unknown: Array<{ topic: string; key: string }> | undefined;
    let last: string | undefined;
    for (const { topic, key } of commands) {
      if (topic === last) continue;
      last = topic;
      if (this.#topics.known(topic) !== undefined || unknown?.some((u) => u.topic === topic)) continue;
      unknown ??= [];
      unknown.push({ topic, key });
    }
    if (unknown === undefined) return undefined;
    const client = this.#connection.client;
    const trim = async ({ topic, key }: { topic: string; key: string }): Promise<Untrimmed | undefined> => {
      try {
        const s = await this.#topics.read(topic);
        // XTRIM takes one strategy: MAXLEN and MINID, when both are set, are two.
        if (s.maxMessages > 0) await client.call('xtrim', key, ...maxLen(s));
        if (s.maxAgeMs > 0) await client.call('xtrim', key, 'MINID', '~', minId(s, Date.now()));
        return undefined;
      } catch (error) {
        // The topic's next publish reads its settings again.
        return { topic, error: toEventBusError(error, { operation: 'publish', topic }) };
      }
    };
    return Promise.all(unknown.map(trim)).then((all) => all.filter((u) => u !== undefined));
  }

  /**
   * Warns about each topic that was not trimmed and has entries of this batch stored. A topic whose
   * XADDs failed too (its key is not a stream, say) stored nothing: its publishes say why.
   */
  #warnUntrimmed(
    untrimmed: readonly Untrimmed[],
    commands: readonly Pending[],
    results: ReadonlyArray<[Error | null, unknown]>,
  ): void {
    for (const { topic, error } of untrimmed) {
      const stored = commands.some(
        (c, n) => c.topic === topic && results[n]?.[0] === null && results[n]?.[1] != null,
      );
      if (stored)
        this.#options.logger.warn(
          `topic ${topic}: stored, but not trimmed to its settings: ${error.message}`,
        );
    }
  }
}

/** A count bound: `MAXLEN ~ <maxMessages>`. */
function maxLen(s: TrimSettings): [string, string, string] {
  return ['MAXLEN', '~', String(s.maxMessages)];
}

/** The oldest entry id an age bound keeps at `now`: `<now − maxAgeMs>-0`. */
function minId(s: TrimSettings, now: number): string {
  return `${Math.max(0, now - s.maxAgeMs)}-0`;
}

/** The XADD prefix of an entry whose topic's settings are being read: trimmed afterwards (`#trimUnknown`). */
const UNTRIMMED: TrimSettings = { maxMessages: -1, maxAgeMs: 0 };

/** A topic of a batch whose settings could not be read or its stream trimmed. */
interface Untrimmed {
  readonly topic: string;
  readonly error: EventBusError;
}

interface Pending {
  readonly index: number;
  readonly topic: string;
  readonly key: string;
  readonly fields: EncodedFields;
}

/**
 * Writes a batch's XADDs (and the age trims of its streams) as plain commands of the client in one
 * socket write (corked), and resolves with each XADD's reply or error, in order. Not an ioredis
 * pipeline: a pipeline per send kept the commands, replies and promises of every send alive through
 * the next young-generation GC, and at thousands of events per second those promotions made the
 * producer's scavenges several times longer (bench/README.md, Redis).
 */
function writeCommands(
  client: Redis,
  commands: readonly XaddCommand[],
  minIds: ReadonlyMap<string, string> | undefined,
): Promise<Array<[Error | null, unknown]>> {
  // One event (a publish awaited alone, or a low rate): no results to gather, no closures.
  if (commands.length === 1 && minIds === undefined)
    return (client.sendCommand(commands[0]!) as Promise<unknown>).then(oneReply, oneError);
  const results: Array<[Error | null, unknown]> = new Array(commands.length);
  const { promise, resolve } = Promise.withResolvers<Array<[Error | null, unknown]>>();
  let left = commands.length;
  const answered = (n: number, error: Error | null, reply: unknown): void => {
    results[n] = [error, reply];
    if (--left === 0) resolve(results);
  };
  // Undefined or not writable before the connection is up: ioredis queues the commands then.
  const socket = client.stream?.writable === true ? client.stream : undefined;
  socket?.cork();
  try {
    for (let n = 0; n < commands.length; n++)
      (client.sendCommand(commands[n]!) as Promise<unknown>).then(
        (reply) => answered(n, null, reply),
        (error: Error) => answered(n, error, null),
      );
    // Their replies decide nothing (a trim that fails leaves entries the next one removes).
    if (minIds !== undefined)
      for (const [key, minId] of minIds) client.xtrim(key, 'MINID', '~', minId).catch(ignore);
  } finally {
    socket?.uncork();
  }
  return promise;
}

const oneReply = (reply: unknown): Array<[Error | null, unknown]> => [[null, reply]];
const oneError = (error: Error): Array<[Error | null, unknown]> => [[error, null]];

function ignore(): void {}

function failed(error: EventBusError): SendOutcome {
  return { ok: false, error };
}

function tooLarge(message: OutboundMessage, size: number, limit: number): EventBusError {
  return new EventBusError(
    'EVENT_TOO_LARGE',
    `Event ${message.id} on ${message.topic} is ${size} bytes with headers; the transport accepts at most ${limit} (maxMessageBytes).`,
    { details: { topic: message.topic, bytes: size, limit } },
  );
}

function missingTopic(topic: string, key: string): EventBusError {
  return new EventBusError(
    'TOPIC_NOT_FOUND',
    `Topic ${topic}: stream ${key} does not exist and autoCreateTopics is off. Create it with ensureTopic.`,
    { details: { topic } },
  );
}
