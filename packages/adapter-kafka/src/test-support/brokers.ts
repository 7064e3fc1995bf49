/**
 * Broker addresses for integration tests, from the environment `infra/up` writes
 * (`. infra/.state/env`). Missing locally: a warning and `undefined`, so suites skip and say so.
 * Missing in CI: an error, so a broken broker setup never passes as "skipped".
 */
export function brokerEnv(name: string, service: string): string | undefined {
  const value = process.env[name];
  if (value !== undefined && value !== '') return value;
  const hint = `${name} is not set: run \`infra/up ${service}\` and \`. infra/.state/env\``;
  if (process.env.CI === 'true') throw new Error(hint);
  console.warn(`[adapter-kafka] ${hint}; skipping the tests that need it.`);
  return undefined;
}

export const KAFKA_BROKERS = brokerEnv('KAFKA_BROKERS', 'kafka');
