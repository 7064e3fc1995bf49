import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { brokerEnv, reportMissing, requireBroker } from '@switchyard/infra/env';

export { requireBroker } from '@switchyard/infra/env';

/**
 * The Kafka jars (`infra/up` downloads them with any Kafka service), for the Java interop tests,
 * once a `java` runs here too. Without either, as for a missing broker: in CI an error, locally a
 * warning and undefined (the suite skips).
 */
export function kafkaJarsDir(): string | undefined {
  const dir = requireBroker('KAFKA_JARS_DIR', 'kafka');
  if (dir === undefined) return undefined;
  if (!existsSync(dir)) return reportMissing(`KAFKA_JARS_DIR ${dir} does not exist: run \`infra/up kafka\``);
  const java = spawnSync('java', ['-version'], { timeout: 30_000 });
  if (java.status !== 0)
    return reportMissing(
      `java does not run here (${java.error?.message ?? `exit ${java.status}`}): install a JDK 17 or later`,
    );
  return dir;
}

/** A setting of the secured broker (user, password, CA file, mechanism). */
export function secureSetting(name: string): string {
  const value = brokerEnv(`KAFKA_SECURE_${name}`);
  if (value === undefined) throw new Error(`KAFKA_SECURE_${name} is not set: run \`infra/up kafka-secure\``);
  return value;
}
