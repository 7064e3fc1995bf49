import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The NATS servers integration tests run against: Debian's nats-server 2.9.10 (the oldest we
 * promise to work with) and a current release, from the environment `infra/up` writes.
 * A server that is not configured is skipped locally (with a warning) and fails the run in CI,
 * where a silent skip would hide a missing broker. (The same contract as infra's `requireBroker`,
 * which can replace `brokerUrl` once `infra/env.ts` lands.)
 */
export interface TestServer {
  readonly label: string;
  readonly url: string | undefined;
}

export const TEST_SERVERS: readonly TestServer[] = [
  { label: 'nats-server 2.9 (NATS_URL)', url: brokerUrl('NATS_URL', 'nats') },
  { label: 'nats-server latest (NATS_LATEST_URL)', url: brokerUrl('NATS_LATEST_URL', 'nats-latest') },
];

/** The secured server (TLS and user/password) of `infra/up nats-secure`. */
export const SECURE_SERVER = {
  url: brokerUrl('NATS_SECURE_URL', 'nats-secure'),
  user: process.env.NATS_SECURE_USER,
  password: process.env.NATS_SECURE_PASSWORD,
  caFile: process.env.NATS_SECURE_CA_FILE,
};

export function brokerUrl(variable: string, service: string): string | undefined {
  const url = process.env[variable]?.trim();
  if (url) return url;
  const hint = `${variable} is not set: run \`infra/up ${service}\` and source infra/.state/env`;
  if (process.env.CI === 'true' || process.env.CI === '1')
    throw new Error(`${hint} (CI runs every integration test)`);
  console.warn(`[adapter-nats tests] ${hint}; skipping the tests that need it`);
  return undefined;
}

/**
 * nats-server binaries for tests that run a server of their own (restarts, token and nkey
 * servers): Debian's 2.9.10 from PATH unless NATS_SERVER_BIN names another, and the current
 * release from NATS_LATEST_SERVER_BIN or else the newest one `infra/up nats-latest` built into
 * its cache (`~/.cache/switchyard/bin/nats-server-v*`).
 */
export const SERVER_BINARIES: ReadonlyArray<{ readonly label: string; readonly bin: string | undefined }> = [
  {
    label: 'nats-server 2.9 (NATS_SERVER_BIN or PATH)',
    bin: binary(
      process.env.NATS_SERVER_BIN ?? onPath('nats-server'),
      'nats-server on PATH (apt-get install nats-server) or NATS_SERVER_BIN',
    ),
  },
  {
    label: 'nats-server latest (NATS_LATEST_SERVER_BIN or infra cache)',
    bin: process.env.NATS_LATEST_SERVER_BIN ?? infraBuilt(),
  },
];

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = `${dir}/${name}`;
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function infraBuilt(): string | undefined {
  const cache =
    process.env.SWITCHYARD_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'switchyard');
  const dir = join(cache, 'bin');
  if (!existsSync(dir)) return undefined;
  const builds = readdirSync(dir)
    .filter((name) => /^nats-server-v\d+\.\d+\.\d+$/.test(name))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const newest = builds.at(-1);
  return newest === undefined ? undefined : join(dir, newest);
}

function binary(found: string | undefined, hint: string): string | undefined {
  if (found !== undefined) return found;
  if (process.env.CI === 'true' || process.env.CI === '1')
    throw new Error(`No nats-server binary: ${hint} (CI runs every integration test)`);
  console.warn(`[adapter-nats tests] no nats-server binary (${hint}); skipping the tests that need it`);
  return undefined;
}
