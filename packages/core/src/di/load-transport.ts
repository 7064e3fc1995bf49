import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EventBusError } from '../errors.ts';
import { memoryTransport } from '../memory/memory-transport.ts';
import type { Transport } from '../transport.ts';

/** Transport names accepted by `SWITCHYARD_TRANSPORT`, and the package each one lives in. */
export const TRANSPORT_PACKAGES = {
  memory: undefined,
  kafka: '@switchyard/adapter-kafka',
  nats: '@switchyard/adapter-nats',
  redis: '@switchyard/adapter-redis',
} as const;

export type TransportName = keyof typeof TRANSPORT_PACKAGES;

type Env = Readonly<Record<string, string | undefined>>;
interface AdapterModule {
  transportFromEnv(env: Env): Transport;
}

/**
 * Builds a transport by name, loading its adapter package on demand (core depends on no broker
 * client). The package is resolved from core's own place first (an app's node_modules), then from
 * the application's entry script and the current directory, so core does not need it installed
 * beside itself and the app may be started from anywhere.
 */
export async function loadTransport(name: string, env: Env = process.env): Promise<Transport> {
  if (!(name in TRANSPORT_PACKAGES)) {
    throw new EventBusError(
      'INVALID_CONFIG',
      `Unknown transport ${JSON.stringify(name)} in SWITCHYARD_TRANSPORT: use one of ${Object.keys(TRANSPORT_PACKAGES).join(', ')}.`,
    );
  }
  const pkg = TRANSPORT_PACKAGES[name as TransportName];
  if (pkg === undefined) return memoryTransport();
  const mod = await importAdapter(pkg);
  if (typeof mod.transportFromEnv !== 'function') {
    throw new EventBusError(
      'INVALID_CONFIG',
      `${pkg} does not export transportFromEnv(env); is it a Switchyard adapter of a matching version?`,
    );
  }
  return mod.transportFromEnv(env);
}

async function importAdapter(pkg: string): Promise<AdapterModule> {
  try {
    return (await import(pkg)) as AdapterModule;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const bases = [process.argv[1], join(process.cwd(), 'package.json')].filter(
    (base): base is string => typeof base === 'string' && base.length > 0,
  );
  let lastError: unknown;
  for (const base of bases) {
    try {
      const resolved = createRequire(base).resolve(pkg);
      return (await import(pathToFileURL(resolved).href)) as AdapterModule;
    } catch (error) {
      if (!isNotFound(error)) throw error;
      lastError = error;
    }
  }
  throw new EventBusError(
    'INVALID_CONFIG',
    `The transport package ${pkg} is not installed where the application can import it: run \`pnpm add ${pkg}\` (or npm i ${pkg}) in the application.`,
    { cause: lastError },
  );
}

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return (
    code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED'
  );
}
