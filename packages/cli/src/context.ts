import type { Transport } from '@switchyard/core';
import { validateTopicName } from '@switchyard/core/transport';
import type { Backend } from './backends/backend.ts';
import { loadBackend } from './backends/load-backend.ts';
import { type CliBus, createCliBus } from './cli-bus.ts';
import { type CliError, notFound } from './exit-codes.ts';
import { Output, type Streams } from './output.ts';
import { transportLogger } from './transport-log.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Options every command takes (see `switchyard --help`). */
export interface GlobalOptions {
  readonly transport?: string;
  readonly brokers?: string;
  readonly natsUrl?: string;
  readonly redisUrl?: string;
  readonly source?: string;
  readonly json?: boolean;
  readonly color?: boolean;
  readonly progress?: boolean;
}

/**
 * The environment the adapters read, with flags laid over it: `--transport` is
 * SWITCHYARD_TRANSPORT, `--brokers` KAFKA_BROKERS, `--nats-url` NATS_URL, `--redis-url` REDIS_URL.
 */
export function effectiveEnv(env: Env, options: GlobalOptions): Env {
  const merged: Record<string, string | undefined> = { ...env };
  if (options.transport !== undefined) merged.SWITCHYARD_TRANSPORT = options.transport;
  if (options.brokers !== undefined) merged.KAFKA_BROKERS = options.brokers;
  if (options.natsUrl !== undefined) merged.NATS_URL = options.natsUrl;
  if (options.redisUrl !== undefined) merged.REDIS_URL = options.redisUrl;
  return merged;
}

/** What a command runs with: output, the backend and bus (made on first use), the Ctrl-C signal. */
export class CommandContext {
  readonly out: Output;
  readonly env: Env;
  readonly signal: AbortSignal;
  readonly options: GlobalOptions;
  readonly streams: Streams;
  #backend: Promise<Backend> | undefined;
  #transport: Promise<Transport> | undefined;
  #bus: Promise<CliBus> | undefined;

  constructor(streams: Streams, env: Env, options: GlobalOptions, signal: AbortSignal) {
    this.streams = streams;
    this.options = options;
    this.env = effectiveEnv(env, options);
    this.signal = signal;
    this.out = new Output(streams, { json: options.json === true, color: options.color !== false });
  }

  backend(): Promise<Backend> {
    this.#backend ??= loadBackend(
      this.env.SWITCHYARD_TRANSPORT,
      this.env,
      transportLogger((line) => this.out.note(line)),
    );
    return this.#backend;
  }

  /** The backend's transport, made (not connected) on first use: the CLI's bus runs on it. */
  #transportOnce(): Promise<Transport> {
    this.#transport ??= this.backend().then((backend) => backend.createTransport());
    return this.#transport;
  }

  /**
   * Refuses a topic name a Switchyard bus would refuse (core's portable rules, then the transport's
   * own, e.g. NATS's reserved `_INBOX`) with `INVALID_TOPIC`, exit 2, before any broker is asked:
   * for the commands that write (`publish`, `topics ensure`, `dlq redrive --to`); Kafka would answer
   * a bad name with its own less helpful INVALID_TOPIC_EXCEPTION. Reads take any name the broker
   * has (a Redis key with `:`, a stream made by another tool): see {@link refusedName}.
   */
  async checkTopic(topic: string): Promise<void> {
    validateTopicName(topic);
    (await this.#transportOnce()).validateTopic?.(topic);
  }

  /** Why a bus would refuse `topic`, or undefined: a read says it beside "does not exist". */
  async refusedName(topic: string): Promise<string | undefined> {
    try {
      await this.checkTopic(topic);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }

  /** The error of a read whose topic does not exist, saying when its name is not one Switchyard accepts. */
  async missingTopic(topic: string, message: string, hint: string): Promise<CliError> {
    const refused = await this.refusedName(topic);
    return notFound('TOPIC_NOT_FOUND', message, refused === undefined ? hint : `${refused} ${hint}`);
  }

  /** A Switchyard bus on the backend's transport, connected (so a bad broker fails here, clearly). */
  bus(): Promise<CliBus> {
    this.#bus ??= (async () => {
      const transport = await this.#transportOnce();
      await transport.connect();
      const source = this.options.source ?? this.env.SWITCHYARD_SOURCE ?? 'switchyard-cli';
      return createCliBus(transport, source, (error) => this.out.note(`warning: ${error.message}`));
    })();
    return this.#bus;
  }

  /** Show a progress bar? `--progress` / `--no-progress`, else only when stderr is a terminal and output is for people. */
  get progress(): boolean {
    return this.options.progress ?? (this.streams.stderr.isTTY === true && !this.out.json);
  }

  async close(): Promise<void> {
    const bus = await this.#bus?.catch(() => undefined);
    await bus?.bus.close({ drainTimeoutMs: 5_000 });
    const backend = await this.#backend?.catch(() => undefined);
    await backend?.close();
  }
}
