import type { TransportModule } from './types.ts';

/** One module per transport; each is loaded only when a run asks for that transport. */
const MODULES: Record<string, () => Promise<TransportModule>> = {
  memory: async () => (await import('./memory.ts')).memoryModule,
  nats: async () => (await import('./nats.ts')).natsModule,
  kafka: async () => (await import('./kafka.ts')).kafkaModule,
  redis: async () => (await import('./redis.ts')).redisModule,
};

export const TRANSPORTS = Object.keys(MODULES);

export async function loadTransport(name: string): Promise<TransportModule> {
  const load = MODULES[name];
  if (load === undefined) throw new Error(`unknown transport ${name}; known: ${TRANSPORTS.join(', ')}`);
  return load();
}
