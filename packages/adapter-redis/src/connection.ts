import type { ConnectionState } from '@switchyard/core';
import { tlsConnectionOptions, waitAtMost } from '@switchyard/core/transport';
import { Redis, type RedisOptions } from 'ioredis';
import { isAuthError, safeCause, toEventBusError } from './map-error.ts';
import type { ResolvedRedisOptions } from './options.ts';

/** Hooks the transport gives its connections. */
export interface ConnectionHooks {
  /** A connection that was ready lost the server; `server` is the redacted URL. */
  readonly onDisconnect?: (error: string | undefined) => void;
  /** Ready again after a lost connection. */
  readonly onReconnect?: () => void;
}

/**
 * One ioredis client with the transport's reconnect policy and a state for `health()`. Credentials
 * go to ioredis and nowhere else; this object keeps them only inside the client it owns.
 *
 * The policy: reconnect every `reconnectWaitMs` (plus jitter) up to `maxReconnectAttempts`; stop at
 * once on wrong credentials or an untrusted certificate before the first connection (they will not
 * fix themselves), and retry them only every 30 s after one (a rotated password, not a hot loop).
 * Commands wait while the connection is down (`maxRetriesPerRequest: null`): the transport bounds
 * every wait itself.
 */
export class RedisConnection {
  readonly client: Redis;
  readonly #options: ResolvedRedisOptions;
  readonly #hooks: ConnectionHooks;
  #everReady = false;
  /** Lost after being ready, and not ready again yet. */
  #down = false;
  #fatal: unknown;
  #closing = false;
  #gaveUp = false;
  /** The latest error of the client as ioredis said it (a copy without the command): messages say it in their own words. */
  #lastCause: Error | undefined;
  reconnects = 0;

  constructor(
    options: ResolvedRedisOptions,
    role: string,
    hooks: ConnectionHooks = {},
    extra: Partial<RedisOptions> = {},
  ) {
    this.#options = options;
    this.#hooks = hooks;
    const settings: RedisOptions = {
      ...clientOptions(options, role, (times) => this.#retryDelay(times)),
      ...extra,
    };
    // ioredis types `replyMapping` in a way exactOptionalPropertyTypes rejects; `settings` is checked above.
    this.client = new Redis(settings as never);
    this.client.on('error', (error: Error) => {
      if (isAuthError(error) || isTlsFailure(error)) this.#fatal = error;
      this.#lastCause = safeCause(error);
    });
    this.client.on('ready', () => {
      this.#fatal = undefined;
      this.#down = false;
      if (this.#everReady) {
        this.reconnects++;
        this.#hooks.onReconnect?.();
      }
      this.#everReady = true;
    });
    // ioredis emits 'close' after every failed reconnect attempt too: an outage is said once.
    this.client.on('close', () => {
      if (!this.#everReady || this.#closing || this.#down) return;
      this.#down = true;
      this.#hooks.onDisconnect?.(this.lastCause);
    });
  }

  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /** The latest error, mapped: what `health().lastError` says. */
  get lastError(): string | undefined {
    if (this.#lastCause === undefined) return undefined;
    return toEventBusError(this.#lastCause, { operation: 'connect', server: this.#options.url }).message;
  }

  /** The latest error's own message (`connect ECONNREFUSED 127.0.0.1:6379`), for messages that say their own context. */
  get lastCause(): string | undefined {
    return this.#lastCause?.message.replace(/\.$/, '');
  }

  get state(): ConnectionState {
    const status = this.client.status;
    if (status === 'ready') return 'connected';
    if (status === 'end') return this.#closing ? 'closed' : 'disconnected';
    // A connect() that failed stopped retrying: ioredis may still say 'connecting' (a wrong password,
    // until its socket closes) or, forever, 'reconnecting' (its retry timer cleared by disconnect()).
    if (status === 'wait' || this.#gaveUp) return 'disconnected';
    return this.#everReady ? 'reconnecting' : 'connecting';
  }

  /**
   * Connects within `connectTimeoutMs`, retrying refused connections meanwhile. Rejects with
   * AUTHENTICATION_FAILED at once on wrong credentials, CONNECTION_FAILED otherwise.
   */
  async connect(): Promise<void> {
    if (this.ready) return;
    // A connect that failed disconnected the client: no retry of its own is pending then.
    const resume = this.#gaveUp;
    this.#gaveUp = false;
    this.#fatal = undefined;
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const fail = (error: unknown) => {
      cleanup();
      // Stop retrying until the next connect(); the state says `disconnected`, not `closed`.
      this.#gaveUp = true;
      this.client.disconnect();
      reject(toEventBusError(error, { operation: 'connect', server: this.#options.url }));
    };
    const onReady = () => {
      cleanup();
      resolve();
    };
    const onError = () => {
      if (this.#fatal !== undefined) fail(this.#fatal);
    };
    const onEnd = () => fail(this.#fatal ?? this.#lastCause ?? new Error('Connection is closed.'));
    const timer = setTimeout(
      () =>
        fail(
          Object.assign(
            new Error(
              `no connection within connectTimeoutMs ${this.#options.connectTimeoutMs}${this.lastCause === undefined ? '' : ` (last error: ${this.lastCause})`}`,
            ),
            { code: 'ETIMEDOUT' },
          ),
        ),
      this.#options.connectTimeoutMs,
    );
    const cleanup = () => {
      clearTimeout(timer);
      this.client.off('ready', onReady);
      this.client.off('error', onError);
      this.client.off('end', onEnd);
    };
    this.client.on('ready', onReady);
    this.client.on('error', onError);
    this.client.on('end', onEnd);
    // After a failed connect ioredis may sit in 'reconnecting' for good (disconnect() cleared its
    // retry timer while it waited): it is told to connect again, or it never would.
    const status = this.client.status;
    if (status === 'wait' || status === 'end' || (resume && status === 'reconnecting'))
      this.client.connect().catch(() => undefined);
    return promise;
  }

  /** Resolves once the connection is ready, or with false when `deadline` (performance.now()) passes first. */
  whenReady(deadline: number): Promise<boolean> {
    if (this.ready) return Promise.resolve(true);
    if (this.client.status === 'end') return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        this.client.off('end', onEnd);
        resolve(ok);
      };
      const onReady = () => done(true);
      const onEnd = () => done(false);
      const timer = setTimeout(() => done(this.ready), Math.max(0, deadline - performance.now()));
      this.client.on('ready', onReady);
      this.client.on('end', onEnd);
    });
  }

  /** Closes at once: commands still waiting fail with "Connection is closed". */
  disconnect(): void {
    this.#closing = true;
    this.client.disconnect();
  }

  /** Sends QUIT after the replies still due (waiting 2 s at most: the server may just have gone), then closes. */
  async quit(): Promise<void> {
    this.#closing = true;
    if (this.client.status === 'end' || this.client.status === 'wait') return;
    if (this.ready)
      await waitAtMost(
        this.client.quit().catch(() => undefined),
        2_000,
      );
    this.client.disconnect();
  }

  #retryDelay(times: number): number | null {
    if (this.#closing || this.#gaveUp) return null;
    const max = this.#options.maxReconnectAttempts;
    if (max >= 0 && times > max) return null;
    if (this.#fatal !== undefined) return this.#everReady ? 30_000 : null;
    return this.#options.reconnectWaitMs + Math.floor(Math.random() * 100);
  }
}

function clientOptions(
  o: ResolvedRedisOptions,
  role: string,
  retryStrategy: (times: number) => number | null,
): RedisOptions {
  const options: RedisOptions = {
    host: o.host,
    port: o.port,
    db: o.db,
    connectionName: `${o.name}-${role}`,
    lazyConnect: true,
    connectTimeout: o.connectTimeoutMs,
    maxRetriesPerRequest: null,
    retryStrategy,
    // CLIENT SETINFO exists from Redis 7.2; on 7.0 it only costs an error reply per connect.
    disableClientInfo: true,
    // How long ioredis lets a closed socket linger before destroying it (2 s by default): a socket to
    // a server that died does not close by itself, and its timer kept the process alive after close.
    disconnectTimeout: 200,
  };
  if (o.username !== undefined) options.username = o.username;
  if (o.password !== undefined) options.password = o.password;
  const tls = tlsConnectionOptions(o.tls);
  if (tls !== undefined) options.tls = tls;
  return options;
}

function isTlsFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' && /CERT|UNABLE_TO_VERIFY|SELF_SIGNED|DEPTH_ZERO|HOSTNAME|ERR_TLS/.test(code)
  );
}
