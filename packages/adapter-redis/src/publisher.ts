import { EventBusError } from '@switchyard/core';
import type { OutboundMessage, SendOutcome } from '@switchyard/core/transport';
import type { Pipeline, Redis } from 'ioredis';
import type { RedisConnection } from './connection.ts';
import { toEventBusError } from './map-error.ts';
import type { ResolvedRedisOptions } from './options.ts';
import type { TopicSettings, TrimSettings } from './topic-settings.ts';
import { type EncodedFields, encodeFields, encodeXadds, xaddPrefix } from './xadd-encoder.ts';

/**
 * Publishing: one `send` (core hands over everything published in one tick) becomes one ioredis
 * pipeline of XADDs — one write, one round trip — each trimmed by its topic's settings.
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
    let settings: Map<string, TrimSettings>;
    try {
      settings = await this.#settingsOf(commands, deadline);
    } catch (error) {
      failAll(toEventBusError(error, { operation: 'publish', topic: commands[0]!.topic }));
      return;
    }
    if (!(await this.#connection.whenReady(deadline))) {
      failAll(
        new EventBusError(
          'NOT_CONNECTED',
          `Redis publish to ${this.#options.url} failed: not connected within publishTimeoutMs ${this.#options.publishTimeoutMs}${this.#connection.lastError === undefined ? '' : ` (${this.#connection.lastError})`}. Nothing was stored; publish again.`,
          { retriable: true, details: { operation: 'publish' } },
        ),
      );
      return;
    }
    const now = Date.now();
    const nomkstream = !this.#options.autoCreateTopics;
    const prefixes = new Map<string, { text: string; count: number }>();
    const minIds = new Map<string, string>();
    const entries: Array<{ prefix: { text: string; count: number }; fields: EncodedFields }> = new Array(
      commands.length,
    );
    for (let n = 0; n < commands.length; n++) {
      const c = commands[n]!;
      let prefix = prefixes.get(c.topic);
      if (prefix === undefined) {
        const s = settings.get(c.topic)!;
        let trim = s.maxMessages > 0 ? ['MAXLEN', '~', String(s.maxMessages)] : [];
        if (s.maxAgeMs > 0) {
          const minId = `${Math.max(0, now - s.maxAgeMs)}-0`;
          // One bound per XADD: by count when both are set, and by age once per batch beside it.
          if (trim.length === 0) trim = ['MINID', '~', minId];
          else minIds.set(c.key, minId);
        }
        if (nomkstream) trim = ['NOMKSTREAM', ...trim];
        prefix = xaddPrefix(c.key, trim);
        prefixes.set(c.topic, prefix);
      }
      entries[n] = { prefix, fields: c.fields };
    }
    // ChainableCommander's type leaves out sendCommand, which ioredis's Pipeline has (Pipeline.d.ts).
    const pipeline = this.#connection.client.pipeline() as ReturnType<Redis['pipeline']> &
      Pick<Pipeline, 'sendCommand'>;
    for (const command of encodeXadds(entries)) pipeline.sendCommand(command);
    for (const [key, minId] of minIds) pipeline.call('xtrim', key, 'MINID', '~', minId);
    const written = pipeline.exec();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - performance.now()));
    });
    let results: Array<[Error | null, unknown]> | null | 'timeout';
    try {
      results = await Promise.race([written, timeout]);
    } catch (error) {
      failAll(toEventBusError(error, { operation: 'publish', topic: commands[0]!.topic }));
      return;
    } finally {
      clearTimeout(timer);
    }
    if (results === 'timeout' || results === null) {
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

  /** Trim settings of every topic in the batch: known ones at once, others read (once) first. */
  async #settingsOf(
    commands: ReadonlyArray<{ topic: string }>,
    deadline: number,
  ): Promise<Map<string, TrimSettings>> {
    const settings = new Map<string, TrimSettings>();
    const unknown: string[] = [];
    for (const { topic } of commands) {
      if (settings.has(topic)) continue;
      const known = this.#topics.known(topic);
      if (known !== undefined) settings.set(topic, known);
      else if (!unknown.includes(topic)) unknown.push(topic);
    }
    if (unknown.length === 0) return settings;
    if (!(await this.#connection.whenReady(deadline))) return this.#defaults(unknown, settings);
    const read = await Promise.all(unknown.map((topic) => this.#topics.read(topic)));
    for (let i = 0; i < unknown.length; i++) settings.set(unknown[i]!, read[i]!);
    return settings;
  }

  #defaults(topics: readonly string[], settings: Map<string, TrimSettings>): Map<string, TrimSettings> {
    for (const topic of topics) settings.set(topic, this.#options.topicDefaults);
    return settings;
  }
}

interface Pending {
  readonly index: number;
  readonly topic: string;
  readonly key: string;
  readonly fields: EncodedFields;
}

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
