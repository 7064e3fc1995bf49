import type { DependencyContainer } from 'tsyringe';
import { configError } from '../errors.ts';
import { createEventBus } from '../event-bus.ts';
import type { EventBusOptions } from '../options.ts';
import type { Transport } from '../transport.ts';
import type { EventBus } from '../types.ts';
import { checkTransportEnv } from './environment-check.ts';
import { loadTransport } from './load-transport.ts';
import { EVENT_BUS, TRANSPORT } from './tokens.ts';

export interface EventBusConfig extends Omit<EventBusOptions, 'transport' | 'source'> {
  /** CloudEvents source. @default env SWITCHYARD_SOURCE */
  readonly source?: string;
  /** A transport instance or name. @default env SWITCHYARD_TRANSPORT, else 'memory' */
  readonly transport?: Transport | string;
  /** Where transport settings are read from (KAFKA_BROKERS, NATS_URL, …). @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Builds the bus from config or environment and registers it (and its transport) in the
 * container as singletons. Async because an adapter package is loaded on demand.
 */
export async function registerEventBus(
  container: DependencyContainer,
  config: EventBusConfig = {},
): Promise<EventBus> {
  const env = config.env ?? process.env;
  const source = config.source ?? env.SWITCHYARD_SOURCE;
  if (source === undefined || source === '')
    throw configError('source', 'set it in the config or SWITCHYARD_SOURCE');
  if (config.transport === undefined) checkTransportEnv(env);
  const transport =
    typeof config.transport === 'object'
      ? config.transport
      : await loadTransport(config.transport ?? env.SWITCHYARD_TRANSPORT ?? 'memory', env);
  const { env: _env, transport: _transport, ...options } = config;
  const bus = createEventBus({ ...options, source, transport });
  container.register(TRANSPORT, { useValue: transport });
  container.register(EVENT_BUS, { useValue: bus });
  return bus;
}
