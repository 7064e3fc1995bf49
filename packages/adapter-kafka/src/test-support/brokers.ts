import { brokerEnv } from '@switchyard/infra/env';

export { requireBroker } from '@switchyard/infra/env';

/** The Kafka jars (`infra/up` downloads them with any Kafka service), for the Java interop tests. */
export const kafkaJarsDir = (): string | undefined => brokerEnv('KAFKA_JARS_DIR');

/** A setting of the secured broker (user, password, CA file, mechanism). */
export function secureSetting(name: string): string {
  const value = brokerEnv(`KAFKA_SECURE_${name}`);
  if (value === undefined) throw new Error(`KAFKA_SECURE_${name} is not set: run \`infra/up kafka-secure\``);
  return value;
}
