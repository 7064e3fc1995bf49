import {
  type ConnectionState,
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
  type ConsumerIntake,
  type InboundMessage,
  type Log,
  type OutboundMessage,
  type SendOutcome,
} from '@switchyard/core/transport';
import { ensureTopic } from './admin/ensure-topic.ts';
import { TopicCreator } from './admin/topic-creator.ts';
import { GroupMember, type MemberContext } from './consumer/group-member.ts';
import { RetryParking } from './consumer/retry-parking.ts';
import { retryFetchEveryMs, retryTopicName } from './consumer/retry-topics.ts';
import { retryWhileRetriable } from './consumer/retry-while-retriable.ts';
import { latestForUncommitted } from './consumer/start-position.ts';
import { TopicConsumer } from './consumer/topic-consumer.ts';
import type { KafkaDriver } from './driver/driver.ts';
import { toEventBusError } from './errors.ts';
import type { KafkaAutoCreateOptions, ResolvedKafkaOptions } from './options/options.ts';
import { DEFAULT_KAFKA_OPTIONS } from './options/presets.ts';
import { MetadataCache } from './producer/metadata-cache.ts';
import { KafkaProducer } from './producer/producer.ts';
import { credentialsOf, printable, type Redact, redactorFor } from './redaction.ts';

const MAX_TOPIC_LENGTH = 249;

/** The Kafka transport: a batching producer, one group member per consumer group for all its topics, admin and health. */
export class KafkaTransport implements Transport {
  readonly name = 'kafka';
  readonly headerPrefix = 'ce_';
  /** The ordering key travels as the Kafka message key (the CloudEvents Kafka binding's `partitionkey`). */
  readonly nativeKey = true;
  readonly capabilities: TransportCapabilities;
  // Every field is #private: the options and the driver hold the SASL password, and a #private
  // field is invisible to util.inspect, console.log and JSON.stringify (a TS `private` is not).
  readonly #redact: Redact;
  readonly #log: Log;
  readonly #creator: TopicCreator;
  readonly #metadata: MetadataCache;
  readonly #producer: KafkaProducer;
  /** One member per group, reading every topic `consume()` was called with for it. */
  readonly #members = new Map<string, GroupMember>();
  readonly #consumerContext: MemberContext;
  #state: ConnectionState = 'disconnected';
  #connecting: Promise<void> | undefined;
  #lastError: string | undefined;
  readonly #backoff = new ConnectBackoff();
  readonly #options: ResolvedKafkaOptions;
  readonly #driver: KafkaDriver;

  constructor(options: ResolvedKafkaOptions, driver: KafkaDriver, log: Log) {
    this.#options = options;
    this.#driver = driver;
    this.#redact = redactorFor(credentialsOf(options));
    this.#log = log;
    // Retry topics are the transport's own, so they are created even when autoCreateTopics is off.
    this.#creator = new TopicCreator(
      driver,
      options.autoCreateTopics || (DEFAULT_KAFKA_OPTIONS.autoCreateTopics as KafkaAutoCreateOptions),
    );
    this.#metadata = new MetadataCache(
      driver,
      options.autoCreateTopics === false ? undefined : this.#creator,
      options.metadataMaxAgeMs,
    );
    this.#producer = new KafkaProducer(driver, this.#metadata, options.producer, {
      redact: this.#redact,
      requestTimeoutMs: options.requestTimeoutMs,
      onError: (error) => this.#noteError(error),
      onTopicsGone: (topics, events) =>
        this.#log(
          'info',
          `Topic(s) ${topics.join(', ')} were deleted on the brokers while in use: making them anew and sending ${events} event(s) again`,
        ),
      onTopicsNotServed: (topics, events) =>
        this.#log(
          'debug',
          `Topic(s) ${topics.join(', ')} not served by their leader yet: sending ${events} event(s) again`,
        ),
      onSuccess: () => {
        if (this.#state === 'reconnecting') this.#state = 'connected';
      },
    });
    this.#consumerContext = {
      driver,
      commitIntervalMs: options.consumer.commitIntervalMs,
      finalCommitTimeoutMs: options.connectTimeoutMs,
      // Half the rebalance timeout: the group waits for this member's rejoin, and a member later than
      // the whole timeout is dropped from it.
      revokeWaitMs: options.consumer.rebalanceTimeoutMs / 2,
      parking: options.retryTopics.enabled
        ? new RetryParking(this.#producer, options.retryTopics.tiersMs)
        : undefined,
      retryFetchEveryMs: retryFetchEveryMs(options.retryTopics.tiersMs),
      redact: this.#redact,
      onError: (error) => this.#noteError(error),
      log: this.#log,
    };
    this.capabilities = {
      persistent: true,
      consumerGroups: true,
      orderingScope: 'group',
      delayedRedelivery: true,
      maxMessageBytes: options.producer.maxMessageBytes,
      maxMessageBytesSetBy: "`producer.maxMessageBytes`, at most the broker's `message.max.bytes`",
      topicAdmin: true,
    };
    driver.onConnectionEvent((event) => {
      if (event.type === 'disconnected' && this.#state === 'connected') this.#state = 'reconnecting';
      else if (event.type === 'connected' && this.#state === 'reconnecting') this.#state = 'connected';
    });
  }

  connect(): Promise<void> {
    if (this.#state === 'closed')
      return Promise.reject(new EventBusError('CLOSED', 'The Kafka transport is closed.'));
    if (this.#state === 'connected' || this.#state === 'reconnecting') return Promise.resolve();
    // After a failed connect (a wrong password, brokers down) callers fail at once until the
    // backoff passes, instead of each publish, emit or subscribe opening a connection.
    this.#connecting ??= this.#backoff
      .attempt(
        () => this.#connectWithin(this.#options.connectTimeoutMs),
        (error) => toEventBusError(error, { operation: 'connect', redact: this.#redact }),
      )
      .finally(() => {
        this.#connecting = undefined;
      });
    return this.#connecting;
  }

  send(
    messages: readonly OutboundMessage[],
    onOutcome?: (index: number, outcome: SendOutcome) => void,
  ): Promise<readonly SendOutcome[]> {
    if (this.#state === 'connected' || this.#state === 'reconnecting')
      return this.#producer.send(messages, onOutcome);
    return this.connect().then(() => this.#producer.send(messages, onOutcome));
  }

  async consume(
    request: ConsumeRequest,
    onMessages: (messages: readonly InboundMessage[]) => void,
    intake?: ConsumerIntake,
  ): Promise<ConsumerHandle> {
    const member = this.#memberFor(request.group);
    // The member's next start waits while this call prepares, so concurrent calls share one join.
    let release: (() => void) | undefined = member.reserve();
    try {
      await this.connect();
      // A topic just created, a broker just restarted or a busy coordinator answers "not yet" for a
      // while; subscribing waits that out (bounded by the rebalance timeout) instead of failing.
      return await retryWhileRetriable(
        this.#options.consumer.rebalanceTimeoutMs,
        async () => {
          release ??= member.reserve();
          const { retryTopics, latestAtStart } = await this.#prepare(request);
          if (this.#state === 'closed') throw new EventBusError('CLOSED', 'The Kafka transport is closed.');
          const consumer = new TopicConsumer(
            member,
            this.#consumerContext,
            request,
            retryTopics,
            onMessages,
            latestAtStart,
            intake,
          );
          const added = member.add(consumer);
          release();
          release = undefined;
          await added.catch((error: unknown) => {
            throw toEventBusError(error, {
              operation: 'consume',
              topic: request.topic,
              redact: this.#redact,
            });
          });
          return consumer;
        },
        (error, delayMs) => {
          release?.();
          release = undefined;
          this.#log('info', 'consumer start retried', {
            topic: request.topic,
            error: error.message,
            delayMs,
          });
        },
      );
    } finally {
      release?.();
    }
  }

  /** Makes sure the topic and its retry topics exist; for `latest`, takes the end of partitions never committed. */
  async #prepare(
    request: ConsumeRequest,
  ): Promise<{ retryTopics: string[]; latestAtStart: Map<number, string> }> {
    const metadata = await this.#metadata.get(request.topic).catch((error: unknown) => {
      throw toEventBusError(error, { operation: 'consume', topic: request.topic, redact: this.#redact });
    });
    const retry = this.#options.retryTopics;
    const retryTopics = retry.enabled ? retry.tiersMs.map((tier) => retryTopicName(request.topic, tier)) : [];
    for (const name of retryTopics) {
      if (name.length > MAX_TOPIC_LENGTH) {
        throw new EventBusError(
          'INVALID_TOPIC',
          `Retry topic ${name} would exceed Kafka's 249-character limit; shorten the topic or disable retryTopics.`,
          { details: { topic: request.topic } },
        );
      }
    }
    try {
      await Promise.all(
        retryTopics.map((name) => this.#creator.ensureExists(name, metadata.partitions.length)),
      );
      const latestAtStart =
        request.startFrom === 'latest'
          ? await latestForUncommitted(this.#driver, request.group, request.topic)
          : new Map<number, string>();
      return { retryTopics, latestAtStart };
    } catch (error) {
      throw toEventBusError(error, { operation: 'admin', topic: request.topic, redact: this.#redact });
    }
  }

  #memberFor(group: string): GroupMember {
    let member = this.#members.get(group);
    if (member === undefined) {
      member = new GroupMember(this.#consumerContext, group);
      this.#members.set(group, member);
    }
    return member;
  }

  async ensureTopic(spec: TopicSpec): Promise<void> {
    await this.connect();
    try {
      await ensureTopic(this.#driver, this.#creator, spec);
      // Partitions may have been added: keys must map over the new count from the next send on.
      this.#metadata.invalidate(spec.name);
    } catch (error) {
      throw toEventBusError(error, { operation: 'admin', topic: spec.name, redact: this.#redact });
    }
  }

  health(): TransportHealth {
    return {
      state: this.#state,
      bufferedMessages: this.#producer.bufferedMessages,
      bufferedBytes: this.#producer.bufferedBytes,
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
      details: {
        brokers: this.#options.brokers,
        preset: this.#options.preset,
        ...this.#driver.info,
        inFlightRequests: this.#producer.inFlightRequests,
        ...(this.#backoff.report === undefined ? {} : { connectBackoff: this.#backoff.report }),
        consumers: [...this.#members.values()].filter((m) => m.consumers().length > 0).map((m) => m.health()),
      },
    };
  }

  /** What `JSON.stringify` shows: where and how it connects, credentials as `***`. */
  toJSON(): Record<string, unknown> {
    return printable(this.#options, this.#state);
  }

  /** What `console.log` and `util.inspect` show: the same as {@link toJSON}. */
  [Symbol.for('nodejs.util.inspect.custom')](
    _depth: number,
    options: object,
    inspect: (value: unknown, options: object) => string,
  ): string {
    return `KafkaTransport ${inspect(this.toJSON(), options)}`;
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    const consumers = [...this.#members.values()].flatMap((m) => m.consumers());
    await Promise.allSettled(consumers.map((c) => c.stop()));
    if (this.#state === 'connected' || this.#state === 'reconnecting') await this.#producer.flush();
    this.#producer.close();
    this.#state = 'closed';
    await this.#driver.disconnect();
  }

  /** Where and how it connected (never a credential but the user name). */
  #connectedLine(): string {
    const { brokers, tls, sasl } = this.#options;
    const info = this.#driver.info;
    const security = [
      ...(tls === undefined ? [] : ['TLS']),
      ...(sasl === undefined ? [] : [`SASL ${sasl.mechanism} as ${sasl.username}`]),
    ];
    return `Connected to Kafka at ${brokers.join(', ')} (${info.driver} driver, client ${info.clientVersion}${security.length === 0 ? '' : `; ${security.join(', ')}`})`;
  }

  async #connectWithin(timeoutMs: number): Promise<void> {
    this.#state = 'connecting';
    let timer: NodeJS.Timeout | undefined;
    const deadline = () =>
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new EventBusError(
                'CONNECTION_FAILED',
                `Could not connect to Kafka at ${this.#options.brokers.join(', ')} within ${timeoutMs} ms (connectTimeoutMs). Check that the brokers are running and reachable.`,
                { retriable: true, details: { brokers: this.#options.brokers } },
              ),
            ),
          timeoutMs,
        );
      });
    try {
      // Importing the client library is not the network: the deadline starts once it is loaded.
      await this.#driver.load?.();
      // Closed while the client loaded (a service stopping as it starts): nothing is opened.
      if (this.#isClosed())
        throw new EventBusError('CLOSED', 'The Kafka transport was closed while it connected.');
      await Promise.race([this.#driver.connect(), deadline()]);
      this.#state = 'connected';
      this.#log('info', this.#connectedLine());
    } catch (error) {
      // After close() the transport stays closed, and a connect it cut short is not a failure to report.
      const closed = this.#isClosed();
      if (!closed) {
        this.#state = 'disconnected';
        await this.#driver.disconnect().catch(() => undefined);
      }
      const mapped = toEventBusError(error, {
        operation: 'connect',
        redact: this.#redact,
        security: { tls: this.#options.tls !== undefined, sasl: this.#options.sasl !== undefined },
      });
      if (!closed) this.#noteError(mapped);
      throw mapped;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Read through a method: inside `#connectWithin` TypeScript narrows `#state` across awaits. */
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #noteError(error: EventBusError): void {
    this.#lastError = `${error.code}: ${error.message}`;
    this.#log('warn', this.#lastError, { code: error.code, retriable: error.retriable });
    if (error.code === 'CONNECTION_FAILED' && this.#state === 'connected') this.#state = 'reconnecting';
  }
}
