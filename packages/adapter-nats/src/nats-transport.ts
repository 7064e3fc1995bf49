import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
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
import { ConnectionWatch, connectionOptions, describeServers } from './connection.ts';
import { EphemeralConsumer } from './ephemeral-consumer.ts';
import { publishEphemeral } from './ephemeral-publisher.ts';
import { ensureGroupConsumer, leaseMs } from './group-consumer.ts';
import { HEADER_PREFIX } from './inbound-headers.ts';
import { JetStreamPublisher } from './jetstream-publisher.ts';
import { toEventBusError } from './map-error.ts';
import { validateNatsTopic } from './names.ts';
import { flushOutbound } from './nats-core-patches.ts';
import type { ResolvedNatsOptions } from './options.ts';
import { PullConsumer } from './pull-consumer.ts';
import { TopicAdmin } from './topic-admin.ts';

interface Connected {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly publisher: JetStreamPublisher;
}

/**
 * The NATS transport: JetStream streams and durable pull consumers for persistent topics, core
 * NATS subjects for ephemeral ones. It moves bytes and keeps the promises of its capabilities;
 * retry, dead letter, ordering by key and tracing live in core.
 */
export class NatsTransport implements Transport {
  readonly name = 'nats';
  readonly headerPrefix = HEADER_PREFIX;
  readonly #options: ResolvedNatsOptions;
  readonly #servers: string;
  readonly #topics: TopicAdmin;
  readonly #watch: ConnectionWatch;
  readonly #pullConsumers = new Set<PullConsumer>();
  /** Whether the server answered the subscriptions' latest stop (the close does not wait again if not). */
  readonly #stops: UnansweredStops;
  readonly #ephemeralConsumers = new Set<EphemeralConsumer>();
  #connected: Connected | undefined;
  #connecting: Promise<Connected> | undefined;
  readonly #backoff = new ConnectBackoff();
  #closed = false;
  #ephemeralDropped = 0;
  /** The capabilities last given, and the server's `max_payload` they were made with. */
  #capabilities: TransportCapabilities | undefined;
  #capabilitiesFor: number | undefined;

  constructor(options: ResolvedNatsOptions) {
    this.#options = options;
    this.#servers = describeServers(options);
    this.#stops = new UnansweredStops(options.connectTimeoutMs);
    this.#topics = new TopicAdmin(
      options,
      () => this.#require().jsm,
      () => this.#serverAtLeast(2, 10),
    );
    this.#watch = new ConnectionWatch({
      onReconnect: () => {
        for (const consumer of this.#pullConsumers) consumer.reconnected();
      },
      onDisconnect: (server) => options.logger.warn(`disconnected from ${server}; reconnecting`),
    });
  }

  /**
   * Core reads the limit on every publish: the object is made again only when the server's
   * `max_payload` (known once connected) differs from the one it was made with.
   */
  get capabilities(): TransportCapabilities {
    const serverMax = this.#connected?.nc.info?.max_payload;
    if (this.#capabilities === undefined || this.#capabilitiesFor !== serverMax) {
      this.#capabilitiesFor = serverMax;
      this.#capabilities = {
        persistent: true,
        consumerGroups: true,
        orderingScope: 'instance',
        delayedRedelivery: true,
        maxMessageBytes: serverMax ?? this.#options.maxMessageBytes,
        maxMessageBytesSetBy:
          serverMax === undefined ? '`maxMessageBytes`' : "server's `max_payload` (nats-server config)",
        topicAdmin: true,
      };
    }
    return this.#capabilities;
  }

  async connect(): Promise<void> {
    await this.#connect();
  }

  async send(
    messages: readonly OutboundMessage[],
    onOutcome?: (index: number, outcome: SendOutcome) => void,
  ): Promise<readonly SendOutcome[]> {
    // Connected: publish in this call, not a microtask later. Core hands a large burst over in
    // chunks while its caller still builds the rest; an `await` here held every chunk back until the
    // whole burst was built (a first socket write 10–20 ms after the first event of 800).
    const { nc, publisher } = (this.#closed ? undefined : this.#connected) ?? (await this.#connect());
    const outcomes: Array<Promise<SendOutcome> | SendOutcome> = new Array(messages.length);
    let ephemeral: number[] | undefined;
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i]!;
      if (this.#topics.isEphemeral(message.topic)) {
        ephemeral ??= [];
        ephemeral.push(i);
      } else {
        const outcome = publisher.publish(message);
        // Each ack settles its own publish (core's onOutcome), so a pipelined caller's window stays full.
        if (onOutcome !== undefined) void outcome.then((o) => onOutcome(i, o));
        outcomes[i] = outcome;
      }
    }
    // nats.js writes its buffer in a microtask, or at once past 32 KiB: write now, so a chunk
    // handed over in the middle of a burst travels before the caller builds the next one.
    flushOutbound(nc);
    if (ephemeral !== undefined) {
      const sent = await publishEphemeral(
        nc,
        ephemeral.map((i) => messages[i]!),
      );
      ephemeral.forEach((index, n) => {
        outcomes[index] = sent[n]!;
      });
    }
    return Promise.all(outcomes);
  }

  async consume(
    request: ConsumeRequest,
    onMessages: (messages: readonly InboundMessage[]) => void,
  ): Promise<ConsumerHandle> {
    validateNatsTopic(request.topic);
    const { nc, js, jsm } = await this.#connect();
    if (this.#topics.isEphemeral(request.topic)) {
      const consumer = new EphemeralConsumer({
        nc,
        request,
        onMessages,
        bufferLimit: this.#options.ephemeralBufferLimit,
        stopWaitMs: this.#options.connectTimeoutMs,
        onDrop: (topic) => {
          this.#ephemeralDropped++;
          if (this.#ephemeralDropped % 1_000 === 1)
            this.#options.logger.warn(
              `ephemeral topic ${topic}: dropping events while the subscriber is paused`,
            );
        },
      });
      this.#ephemeralConsumers.add(consumer);
      return this.#tracked(consumer, this.#ephemeralConsumers);
    }
    const consumer = new PullConsumer({
      request,
      onMessages,
      leaseMs: leaseMs(request, this.#options),
      fetchExpiresMs: this.#options.fetchExpiresMs,
      flush: () => nc.flush(),
      stopWaitMs: this.#options.connectTimeoutMs,
      ensure: async () => {
        try {
          const stream = await this.#topics.streamFor(request.topic);
          const info = await ensureGroupConsumer(jsm, stream, request, this.#options);
          return await js.consumers.get(stream, info.name);
        } catch (error) {
          this.#topics.forget(request.topic);
          throw toEventBusError(error, { operation: 'consume', topic: request.topic });
        }
      },
      onError: (error) => {
        const mapped = toEventBusError(error, { operation: 'consume', topic: request.topic });
        this.#watch.lastError = mapped.message;
        if (!this.#closed && this.#watch.state === 'connected')
          this.#options.logger.warn(`${request.topic}/${request.group}: ${mapped.message}`);
      },
    });
    await consumer.start();
    this.#pullConsumers.add(consumer);
    return this.#tracked(consumer, this.#pullConsumers);
  }

  async ensureTopic(spec: TopicSpec): Promise<void> {
    await this.#connect();
    await this.#topics.ensureTopic(spec);
  }

  validateTopic(topic: string): void {
    validateNatsTopic(topic);
  }

  health(): TransportHealth {
    const nc = this.#connected?.nc;
    const publisher = this.#connected?.publisher;
    const state = this.#closed
      ? 'closed'
      : this.#connecting !== undefined && nc === undefined
        ? 'connecting'
        : this.#watch.state;
    return {
      state,
      bufferedMessages: publisher?.pending ?? 0,
      bufferedBytes: publisher?.pendingBytes ?? 0,
      ...(this.#watch.lastError === undefined ? {} : { lastError: this.#watch.lastError }),
      details: {
        servers: this.#servers,
        ...(nc?.info === undefined
          ? {}
          : { server: nc.info.server_name, version: nc.info.version, jetstream: nc.info.jetstream === true }),
        reconnects: this.#watch.reconnects,
        ...(this.#backoff.report === undefined ? {} : { connectBackoff: this.#backoff.report }),
        consumers: this.#pullConsumers.size + this.#ephemeralConsumers.size,
        ephemeralDropped: this.#ephemeralDropped,
      },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const connected = this.#connected ?? (await this.#connecting?.catch(() => undefined));
    const consumers = [...this.#pullConsumers, ...this.#ephemeralConsumers];
    await Promise.all(consumers.map((c) => c.stop()));
    const unanswered = consumers.some((c) => c.unanswered) || this.#stops.serverHangs;
    if (connected === undefined) return;
    const { nc, publisher } = connected;
    // Let publishes in flight settle (each is bounded by publishTimeoutMs), then drain the
    // connection; a server that hangs with the connection open gets connectTimeoutMs for that,
    // once (not again when the subscriptions' stops already waited it out).
    await waitAtMost(publisher.idle(), this.#options.publishTimeoutMs);
    if (nc.isClosed()) return;
    const drained = unanswered ? undefined : nc.drain();
    const inTime = drained !== undefined && (await waitAtMost(drained, this.#options.connectTimeoutMs));
    try {
      if (!inTime)
        throw new EventBusError(
          'TIMEOUT',
          `NATS close (${this.#servers}): the server did not answer within connectTimeoutMs (${this.#options.connectTimeoutMs} ms), so the connection was closed without draining it. What was not acknowledged is delivered again after its ack wait.`,
          { retriable: true },
        );
      await drained;
    } catch (error) {
      if (!nc.isClosed()) await nc.close();
      throw toEventBusError(error, { operation: 'close', servers: this.#servers });
    }
  }

  #connect(): Promise<Connected> {
    if (this.#closed)
      return Promise.reject(new EventBusError('CLOSED', 'The NATS transport is closed. Create a new one.'));
    // After a failed connect (a wrong password, a server down) callers fail at once until the
    // backoff passes, instead of each opening a connection.
    this.#connecting ??= this.#backoff
      .attempt(
        () => this.#open(),
        (error) => toEventBusError(error, { operation: 'connect', servers: this.#servers }),
      )
      .catch((error: unknown) => {
        this.#connecting = undefined;
        throw error;
      });
    return this.#connecting;
  }

  async #open(): Promise<Connected> {
    let nc: NatsConnection;
    try {
      nc = await connect(connectionOptions(this.#options));
    } catch (error) {
      const mapped = toEventBusError(error, { operation: 'connect', servers: this.#servers });
      this.#watch.lastError = mapped.message;
      throw mapped;
    }
    this.#watch.watch(nc);
    // checkAPI off: a server without JetStream still serves ephemeral topics; persistent ones then fail clearly.
    const jsm = await jetstreamManager(nc, {
      checkAPI: false,
      timeout: this.#options.publishAttemptTimeoutMs,
    });
    const js = jetstream(nc, { timeout: this.#options.publishAttemptTimeoutMs });
    const publisher = new JetStreamPublisher(
      js,
      this.#options,
      this.#topics,
      () => nc.info?.max_payload ?? this.#options.maxMessageBytes,
    );
    this.#connected = { nc, js, jsm, publisher };
    return this.#connected;
  }

  #require(): Connected {
    if (this.#connected === undefined)
      throw new EventBusError(
        'NOT_CONNECTED',
        'The NATS transport is not connected yet; call connect() first.',
      );
    return this.#connected;
  }

  #serverAtLeast(major: number, minor: number): boolean {
    const version = this.#connected?.nc.info?.version ?? '0.0.0';
    const [a = 0, b = 0] = version.split('.').map(Number);
    return a > major || (a === major && b >= minor);
  }

  #tracked<T extends ConsumerHandle & { readonly unanswered: boolean }>(
    consumer: T,
    registry: Set<T>,
  ): ConsumerHandle {
    return {
      pause: () => consumer.pause(),
      resume: () => consumer.resume(),
      stop: async () => {
        registry.delete(consumer);
        await consumer.stop();
        this.#stops.note(consumer.unanswered);
      },
      lag: async () => {
        try {
          return await consumer.lag!();
        } catch (error) {
          throw toEventBusError(error, { operation: 'lag' });
        }
      },
    };
  }
}
