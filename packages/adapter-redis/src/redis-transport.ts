import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  EventBusError,
  type TopicSpec,
  type Transport,
  type TransportCapabilities,
  type TransportHealth,
} from '@switchyard/core';
import {
  ConnectBackoff,
  type ConsumeRequest,
  type ConsumerHandle,
  type InboundMessage,
  type OutboundMessage,
  type SendOutcome,
  UnansweredStops,
  waitAtMost,
} from '@switchyard/core/transport';
import { RedisConnection } from './connection.ts';
import { HEADER_PREFIX } from './entry.ts';
import { toEventBusError } from './map-error.ts';
import type { ResolvedRedisOptions } from './options.ts';
import { StreamPublisher } from './publisher.ts';
import { ReadConnection } from './read-connection.ts';
import { readServerInfo, type ServerInfo } from './server-info.ts';
import { STOP_WAIT_MS, StreamConsumer } from './stream-consumer.ts';
import { TopicSettings } from './topic-settings.ts';

let members = 0;

/**
 * The Redis Streams transport: a topic is a stream, a group a consumer group, an event an entry
 * whose fields are the CloudEvents binary-mode headers plus `data`. It moves bytes and keeps the
 * promises of its capabilities; retry, dead letter, ordering by key and tracing live in core.
 *
 * Credentials live only inside the ioredis clients this object holds in private fields: neither
 * `console.log(transport)` nor `JSON.stringify(transport)` shows them.
 */
export class RedisTransport implements Transport {
  readonly name = 'redis';
  readonly headerPrefix = HEADER_PREFIX;
  readonly capabilities: TransportCapabilities;
  readonly #options: ResolvedRedisOptions;
  readonly #main: RedisConnection;
  readonly #topics: TopicSettings;
  readonly #publisher: StreamPublisher;
  readonly #consumers = new Set<StreamConsumer>();
  #connecting: Promise<void> | undefined;
  #connected = false;
  #closed = false;
  /** Whether the server answered the subscriptions' latest stop (the close does not wait again if not). */
  readonly #stops: UnansweredStops;
  #server: ServerInfo | undefined;
  #lastError: string | undefined;
  #trimmed = 0;
  readonly #backoff = new ConnectBackoff();

  constructor(options: ResolvedRedisOptions) {
    this.#options = options;
    this.#stops = new UnansweredStops(STOP_WAIT_MS);
    this.#main = new RedisConnection(options, 'main', {
      onDisconnect: (error) =>
        options.logger.warn(
          `lost the connection to ${options.url}${error === undefined ? '' : ` (${error})`}; reconnecting`,
        ),
      onReconnect: () => {
        for (const consumer of this.#consumers) consumer.reconnected();
      },
    });
    this.#topics = new TopicSettings(options, () => this.#main.client);
    this.#publisher = new StreamPublisher(this.#main, options, this.#topics);
    this.capabilities = {
      persistent: true,
      consumerGroups: true,
      orderingScope: 'instance',
      delayedRedelivery: true,
      maxMessageBytes: options.maxMessageBytes,
      maxMessageBytesSetBy: '`maxMessageBytes`',
      topicAdmin: true,
    };
  }

  async connect(): Promise<void> {
    await this.#connect();
  }

  send(
    messages: readonly OutboundMessage[],
    _onOutcome?: (index: number, outcome: SendOutcome) => void,
  ): Promise<readonly SendOutcome[]> {
    // Connected (the usual case): straight on, without one more async frame per send.
    if (this.#connected && !this.#closed) return this.#publisher.send(messages);
    return this.#connect().then(() => this.#publisher.send(messages));
  }

  async consume(
    request: ConsumeRequest,
    onMessages: (messages: readonly InboundMessage[]) => void,
  ): Promise<ConsumerHandle> {
    await this.#connect();
    const options = this.#options;
    const where = `${request.topic}/${request.group}`;
    const consumer = new StreamConsumer({
      request,
      onMessages,
      main: this.#main,
      reader: new ReadConnection(options, 'reader'),
      key: this.#topics.streamKey(request.topic),
      consumer: consumerName(options.name),
      leaseMs: Math.max(1_000, Math.min(options.ackWaitMs, request.ackTimeoutMs)),
      claimIntervalMs: options.claimIntervalMs,
      idleConsumerTimeoutMs: options.idleConsumerTimeoutMs,
      fetchExpiresMs: options.fetchExpiresMs,
      mkstream: options.autoCreateTopics,
      onError: (error) => {
        const mapped = toEventBusError(error, {
          operation: 'consume',
          topic: request.topic,
          server: options.url,
        });
        this.#lastError = mapped.message;
        if (!this.#closed && this.#main.ready) options.logger.warn(`${where}: ${mapped.message}`);
      },
      onTrimmed: (count) => {
        this.#trimmed += count;
        options.logger.warn(
          `${where}: ${count} pending entries were trimmed from the stream before the group acknowledged them; they are lost for this group. Raise maxMessages / retentionMs or consume faster.`,
        );
      },
    });
    try {
      await consumer.start();
    } catch (error) {
      await consumer.stop().catch(() => undefined);
      throw toEventBusError(missingStream(error, request.topic), {
        operation: 'consume',
        topic: request.topic,
        server: options.url,
      });
    }
    this.#consumers.add(consumer);
    return {
      pause: () => consumer.pause(),
      resume: () => consumer.resume(),
      stop: async () => {
        this.#consumers.delete(consumer);
        await consumer.stop();
        this.#stops.note(consumer.unanswered);
      },
      lag: async () => {
        try {
          return await consumer.lag();
        } catch (error) {
          throw toEventBusError(error, { operation: 'lag', topic: request.topic });
        }
      },
    };
  }

  async ensureTopic(spec: TopicSpec): Promise<void> {
    await this.#connect();
    await this.#topics.ensureTopic(spec);
  }

  health(): TransportHealth {
    const state = this.#closed ? 'closed' : this.#main.state;
    const lastError = this.#main.lastError ?? this.#lastError;
    return {
      state,
      bufferedMessages: this.#publisher.pending,
      bufferedBytes: this.#publisher.pendingBytes,
      ...(lastError === undefined ? {} : { lastError }),
      details: {
        server: this.#options.url,
        ...(this.#server === undefined ? {} : { ...this.#server }),
        reconnects: this.#main.reconnects,
        ...(this.#backoff.report === undefined ? {} : { connectBackoff: this.#backoff.report }),
        consumers: this.#consumers.size,
        trimmedPending: this.#trimmed,
      },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#connecting?.catch(() => undefined);
    const consumers = [...this.#consumers];
    await Promise.all(consumers.map((consumer) => consumer.stop().catch(() => undefined)));
    const unanswered = consumers.some((consumer) => consumer.unanswered) || this.#stops.serverHangs;
    this.#consumers.clear();
    // Let sends in flight settle (each is bounded by publishTimeoutMs), then say goodbye; a server
    // that did not answer a subscription's stop hangs, and is not waited for again.
    await waitAtMost(this.#publisher.idle(), this.#options.publishTimeoutMs);
    if (!unanswered) {
      await this.#main.quit();
      return;
    }
    this.#main.disconnect();
    throw new EventBusError(
      'TIMEOUT',
      `Redis close (${this.#options.url}): the server did not answer a subscription's stop within ${STOP_WAIT_MS} ms, so the connections were closed without waiting for it. What was not acknowledged stays pending and is claimed by another member after ackWaitMs.`,
      { retriable: true },
    );
  }

  /** What the connection looks like to a log or `console.log`: the server, never credentials. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, server: this.#options.url, state: this.health().state };
  }

  #connect(): Promise<void> {
    if (this.#closed)
      return Promise.reject(new EventBusError('CLOSED', 'The Redis transport is closed. Create a new one.'));
    if (this.#connected) return Promise.resolve();
    // After a failed connect (a wrong password, a server down) callers fail at once until the
    // backoff passes, instead of each opening a connection (and each waiting out connectTimeoutMs).
    this.#connecting ??= this.#backoff
      .attempt(
        () => this.#open(),
        (error) => toEventBusError(error, { operation: 'connect', server: this.#options.url }),
      )
      .catch((error: unknown) => {
        this.#connecting = undefined;
        throw error;
      });
    return this.#connecting;
  }

  async #open(): Promise<void> {
    try {
      await this.#main.connect();
    } catch (error) {
      const mapped = toEventBusError(error, { operation: 'connect', server: this.#options.url });
      this.#lastError = mapped.message;
      throw mapped;
    }
    this.#server = await readServerInfo(this.#main.client);
    if (this.#server.version !== undefined && majorMinor(this.#server.version) < 7.0) {
      this.#main.disconnect();
      throw new EventBusError(
        'UNSUPPORTED',
        `Redis ${this.#server.version} at ${this.#options.url} is too old: the Redis transport needs 7.0 or newer (XAUTOCLAIM, consumer group lag).`,
      );
    }
    this.#connected = true;
  }
}

/** A member name unique to this process and call: `<name>-<host>-<pid>-<n>-<random>`. */
function consumerName(name: string): string {
  return `${name}-${hostname()}-${process.pid}-${++members}-${randomBytes(3).toString('hex')}`;
}

function majorMinor(version: string): number {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major + minor / 100;
}

/** XGROUP CREATE without MKSTREAM on a missing stream (autoCreateTopics off) is a missing topic. */
function missingStream(error: unknown, topic: string): unknown {
  if (error instanceof Error && /requires the key to exist/i.test(error.message)) {
    return new EventBusError(
      'TOPIC_NOT_FOUND',
      `Topic ${topic}: its stream does not exist and autoCreateTopics is off. Create it with ensureTopic.`,
      { details: { topic } },
    );
  }
  return error;
}
