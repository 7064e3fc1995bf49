import type { ResolvedRedisOptions } from '@switchyard/adapter-redis';
import { tlsConnectionOptions } from '@switchyard/core/transport';
import { Redis } from 'ioredis';

/**
 * An ioredis client with the adapter's connection settings (host, port, db, ACL user, TLS,
 * connect timeout) for the CLI's own reads. Unlike the transport's, it does not reconnect: a
 * command-line tool reports a lost server and exits.
 */
export function redisClient(o: ResolvedRedisOptions, role: string): Redis {
  const tls = tlsConnectionOptions(o.tls);
  const client = new Redis({
    host: o.host,
    port: o.port,
    db: o.db,
    ...(o.username === undefined ? {} : { username: o.username }),
    ...(o.password === undefined ? {} : { password: o.password }),
    ...(tls === undefined ? {} : { tls }),
    connectionName: `${o.name}-cli-${role}`,
    connectTimeout: o.connectTimeoutMs,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    disableClientInfo: true,
  } as never);
  client.on('error', () => undefined); // failures reach the CLI through the commands that meet them
  return client;
}

/** `XINFO GROUPS` / `XINFO STREAM` replies (flat `[name, value, …]` arrays) as objects. */
export function fields(reply: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const flat = reply as unknown[];
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}
