import { NatsTransport } from './nats-transport.ts';
import { type NatsTransportOptions, resolveNatsOptions } from './options.ts';

/**
 * A NATS transport: JetStream for persistent topics (durable pull consumers per group,
 * pipelined publishes de-duplicated by event id), core NATS for ephemeral ones.
 * Throws INVALID_CONFIG naming the bad option; connects on `connect()` or first use.
 *
 * @example
 * const bus = createEventBus({ source: 'orders-svc', transport: nats({ servers: 'nats://127.0.0.1:4222' }) });
 */
export function nats(options: NatsTransportOptions = {}): NatsTransport {
  return new NatsTransport(resolveNatsOptions(options));
}
