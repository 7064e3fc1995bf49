import { type ConnectionOptions, nkeyAuthenticator } from '@nats-io/nats-core';
import type { ResolvedNatsOptions } from '@switchyard/adapter-nats';

/**
 * nats.js connection options from the adapter's resolved options (servers, credentials, TLS,
 * timeouts), for the CLI's own connection. The adapter maps them the same way for its transport;
 * it does not export its mapping, whose nats.js types would reach its users' type checks.
 */
export function natsConnectionOptions(o: ResolvedNatsOptions): ConnectionOptions {
  const options: ConnectionOptions = {
    servers: [...o.servers],
    name: `${o.name}-cli`,
    timeout: o.connectTimeoutMs,
    maxReconnectAttempts: o.maxReconnectAttempts,
    reconnectTimeWait: o.reconnectWaitMs,
  };
  if (o.user !== undefined) options.user = o.user;
  if (o.password !== undefined) options.pass = o.password;
  if (o.token !== undefined) options.token = o.token;
  if (o.nkeySeed !== undefined)
    options.authenticator = nkeyAuthenticator(new TextEncoder().encode(o.nkeySeed));
  if (o.tls !== undefined) {
    const { caFile, certFile, keyFile, handshakeFirst } = o.tls;
    options.tls = {
      ...(caFile === undefined ? {} : { caFile }),
      ...(certFile === undefined ? {} : { certFile }),
      ...(keyFile === undefined ? {} : { keyFile }),
      ...(handshakeFirst === undefined ? {} : { handshakeFirst }),
    };
  }
  return options;
}
