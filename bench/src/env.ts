import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_DIR = resolve(BENCH_DIR, '..');
export const INFRA_ENV_FILE = join(REPO_DIR, 'infra', '.state', 'env');

/**
 * Broker addresses: `infra/.state/env` (written by `infra/up`), overridden by the process
 * environment. Lines look like `KEY=value` or `export KEY=value`; quotes are stripped.
 */
export function loadBrokerEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  if (existsSync(INFRA_ENV_FILE)) {
    for (const raw of readFileSync(INFRA_ENV_FILE, 'utf8').split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
      if (m === null) continue;
      env[m[1]!] = m[2]!.replace(/^(['"])(.*)\1$/, '$2');
    }
  }
  for (const name of ['KAFKA_BROKERS', 'KAFKA_CLUSTER_BROKERS', 'NATS_URL', 'KAFKA_JARS_DIR', 'REDIS_URL']) {
    const value = process.env[name];
    if (value !== undefined && value !== '') env[name] = value;
  }
  return env;
}
