import type { Logger } from '@switchyard/core';
import { usageError } from '../exit-codes.ts';
import { BACKENDS, type Backend, type BackendName } from './backend.ts';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Loads one backend module on demand, so `switchyard` on NATS never loads kafkajs and the other way
 * round. `logger` is where its transport logs.
 */
export async function loadBackend(name: string | undefined, env: Env, logger: Logger): Promise<Backend> {
  if (name === undefined || name === '') {
    throw usageError(
      'No transport chosen.',
      `Set SWITCHYARD_TRANSPORT or pass --transport: one of ${BACKENDS.join(', ')}.`,
    );
  }
  if (!(BACKENDS as readonly string[]).includes(name)) {
    throw usageError(
      `Unknown transport ${JSON.stringify(name)}.`,
      `Use one of ${BACKENDS.join(', ')} (memory lives inside one process: there is nothing to inspect from outside).`,
    );
  }
  switch (name as BackendName) {
    case 'kafka':
      return (await import('./kafka.ts')).kafkaBackend(env, logger);
    case 'nats':
      return (await import('./nats.ts')).natsBackend(env, logger);
    case 'redis':
      return (await import('./redis.ts')).redisBackend(env, logger);
  }
}
