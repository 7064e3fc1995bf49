import { type ConnectionOptions, type NatsConnection, nkeyAuthenticator } from '@nats-io/nats-core';
import type { ConnectionState } from '@switchyard/core';
import { patchNatsCore } from './nats-core-patches.ts';
import { NATS_TLS_KEYS, type ResolvedNatsOptions, redactUrl } from './options.ts';

/** nats.js connection options from ours. Credentials go to the client and nowhere else. */
export function connectionOptions(o: ResolvedNatsOptions): ConnectionOptions {
  patchNatsCore();
  const options: ConnectionOptions = {
    servers: [...o.servers],
    name: o.name,
    timeout: o.connectTimeoutMs,
    reconnect: true,
    maxReconnectAttempts: o.maxReconnectAttempts,
    reconnectTimeWait: o.reconnectWaitMs,
    waitOnFirstConnect: false,
    // nats.js captures a stack per request by default, a large cost on pipelined publishes
    // (docs/internals/nats-publish-path.md). Our errors name the operation and topic instead.
    noAsyncTraces: true,
  };
  if (o.user !== undefined) {
    options.user = o.user;
    if (o.password !== undefined) options.pass = o.password;
  }
  if (o.token !== undefined) options.token = o.token;
  if (o.nkeySeed !== undefined)
    options.authenticator = nkeyAuthenticator(new TextEncoder().encode(o.nkeySeed));
  if (o.tls !== undefined) {
    // nats.js reads the files itself, and hands contents and the rest to Node's tls.connect.
    const tls: Record<string, unknown> = {};
    for (const field of NATS_TLS_KEYS) if (o.tls[field] !== undefined) tls[field] = o.tls[field];
    options.tls = tls as NonNullable<ConnectionOptions['tls']>;
  }
  return options;
}

/** The servers for messages and logs, with any `user:password@` removed. */
export function describeServers(o: ResolvedNatsOptions): string {
  return o.servers.map(redactUrl).join(',');
}

/**
 * Follows the connection's status events and turns them into the port's ConnectionState, the
 * last error and a reconnect count for `health()`.
 */
export class ConnectionWatch {
  state: ConnectionState = 'disconnected';
  lastError: string | undefined;
  reconnects = 0;
  disconnects = 0;
  readonly #onReconnect: () => void;
  readonly #onDisconnect: (server: string) => void;

  constructor(hooks: { onReconnect: () => void; onDisconnect: (server: string) => void }) {
    this.#onReconnect = hooks.onReconnect;
    this.#onDisconnect = hooks.onDisconnect;
  }

  watch(nc: NatsConnection): void {
    this.state = 'connected';
    void (async () => {
      for await (const status of nc.status()) {
        switch (status.type) {
          case 'disconnect':
            this.state = 'reconnecting';
            this.disconnects++;
            this.#onDisconnect(redactUrl(status.server));
            break;
          case 'reconnecting':
            this.state = 'reconnecting';
            break;
          case 'reconnect':
            this.state = 'connected';
            this.reconnects++;
            this.#onReconnect();
            break;
          case 'error':
            this.lastError = status.error.message;
            break;
          case 'close':
            this.state = 'closed';
            break;
          default:
        }
      }
    })();
    void nc.closed().then((error) => {
      this.state = 'closed';
      if (error) this.lastError = error.message;
    });
  }
}
