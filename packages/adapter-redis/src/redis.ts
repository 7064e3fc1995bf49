import { type RedisTransportOptions, resolveRedisOptions } from './options.ts';
import { RedisTransport } from './redis-transport.ts';

/**
 * A Redis Streams transport for `createEventBus({ transport })`: pipelined XADD publishing,
 * consumer groups with leases and claim-after-crash, trimming by length or age. Throws
 * INVALID_CONFIG naming the bad option; connects on `connect()` or first use.
 *
 * @example
 * const bus = createEventBus({ source: 'orders-svc', transport: redis({ url: 'redis://127.0.0.1:6379' }) });
 */
export function redis(options: RedisTransportOptions = {}): RedisTransport {
  return new RedisTransport(resolveRedisOptions(options));
}
