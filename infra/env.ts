/**
 * Broker addresses for integration tests: `@switchyard/infra/env`.
 *
 * `infra/up SERVICE` starts a real broker on 127.0.0.1 and writes `export NAME=value` lines to
 * `infra/.state/env`. These two functions read a variable from the process environment first and
 * from that file second, so a test finds the brokers whether or not the shell sourced the file.
 *
 * ```ts
 * import { requireBroker } from '@switchyard/infra/env';
 *
 * const brokers = requireBroker('KAFKA_BROKERS', 'kafka');
 * describe.skipIf(!brokers)('kafka transport', () => {
 *   // brokers is '127.0.0.1:9092' here
 * });
 * ```
 *
 * Locally a missing broker skips the suite with one warning line; in CI (`CI` set) it is an error,
 * so a CI run can never pass by skipping every integration test.
 *
 * Variables (see infra/README.md): KAFKA_BROKERS, KAFKA_CLUSTER_BROKERS, KAFKA_SECURE_BROKERS,
 * KAFKA_SECURE_USER/PASSWORD/CA_FILE/MECHANISM, KAFKA_SECURE_PLAIN_USER/PASSWORD, KAFKA_JARS_DIR,
 * NATS_URL, NATS_LATEST_URL, NATS_SECURE_URL, NATS_SECURE_USER/PASSWORD/CA_FILE, REDIS_URL,
 * REDIS_SECURE_URL, REDIS_SECURE_USER/PASSWORD/CA_FILE, OTEL_EXPORTER_OTLP_ENDPOINT,
 * JAEGER_OTLP_GRPC_ENDPOINT, JAEGER_QUERY_URL.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A service name `infra/up` accepts. */
export type InfraService =
  | 'kafka'
  | 'kafka-cluster'
  | 'kafka-secure'
  | 'nats'
  | 'nats-latest'
  | 'nats-secure'
  | 'redis'
  | 'redis-secure'
  | 'jaeger';

/** The env file `infra/up` writes (`INFRA_STATE_DIR` moves it, as it moves the scripts' state). */
export const envFilePath: string = join(
  process.env.INFRA_STATE_DIR || fileURLToPath(new URL('./.state', import.meta.url)),
  'env',
);

/** The `export NAME=value` lines of an env file `infra/up` wrote (empty when there is none yet). */
export function readEnvFile(path: string = envFilePath): Map<string, string> {
  const vars = new Map<string, string>();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return vars; // nothing started yet
  }
  for (const line of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!.trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) {
      value = value.slice(1, -1);
    }
    vars.set(m[1]!, value);
  }
  return vars;
}

/**
 * `process.env[name]` when it is set and not empty, else the value `infra/up` wrote to
 * `infra/.state/env`, else undefined. The file is read on every call (it is tiny), so a value
 * written by an `infra/up` that ran after this module loaded is seen.
 */
export function brokerEnv(name: string): string | undefined {
  const fromProcess = process.env[name];
  if (fromProcess) return fromProcess;
  const fromFile = readEnvFile().get(name);
  return fromFile ? fromFile : undefined;
}

function inCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/**
 * The value of `name` (see {@link brokerEnv}). When it is missing:
 * - in CI (`CI` set to anything but '', '0' or 'false') throws
 *   `Error('NAME is not set: run `infra/up SERVICE`')`;
 * - otherwise prints that reason once as a console.warn line and returns undefined, so the caller
 *   can `describe.skipIf(!value)`.
 */
export function requireBroker(name: string, service: InfraService): string | undefined {
  const value = brokerEnv(name);
  if (value !== undefined) return value;
  return reportMissing(`${name} is not set: run \`infra/up ${service}\``);
}

/**
 * Something else a test needs is not here (a tool such as `java`, a directory `infra/up` should
 * have made), as `reason` says: in CI throws `Error(reason)`; otherwise prints it once as a
 * console.warn line and returns undefined, as {@link requireBroker} does for a broker.
 */
export function reportMissing(reason: string): undefined {
  if (inCi()) throw new Error(reason);
  console.warn(`[switchyard] skipping: ${reason}`);
  return undefined;
}
