import { createLog } from '@switchyard/core/transport';
import { DeferredDriver } from './driver/deferred-driver.ts';
import type { KafkaDriver } from './driver/driver.ts';
import { kafkajsInfo } from './driver/kafkajs/kafkajs-info.ts';
import { platformaticInfo } from './driver/platformatic/platformatic-info.ts';
import { KafkaTransport } from './kafka-transport.ts';
import { kafkaOptionsFromEnv } from './options/from-env.ts';
import type { KafkaTransportOptions } from './options/options.ts';
import { resolveKafkaOptions } from './options/resolve.ts';
import { credentialsOf } from './redaction.ts';

/**
 * A Kafka transport for `createEventBus({ transport })`. Options are checked here, so a bad value
 * throws `INVALID_CONFIG` naming the field before anything connects.
 *
 * @example
 * const transport = kafka({ brokers: ['127.0.0.1:9092'], preset: 'durable', profile: 'local' });
 * const onPlatformatic = kafka({ brokers: ['127.0.0.1:9092'], driver: 'platformatic' });
 */
export function kafka(options: KafkaTransportOptions = {}): KafkaTransport {
  const resolved = resolveKafkaOptions(options);
  const log = createLog('kafka', resolved.logger, resolved.logLevel, credentialsOf(resolved));
  // Each driver's module (and its client library) is imported on the transport's first connect.
  const driver: KafkaDriver =
    resolved.driver === 'platformatic'
      ? new DeferredDriver(
          platformaticInfo(resolved),
          async () => {
            const { createPlatformaticDriver } = await import('./driver/platformatic/platformatic-driver.ts');
            return () => createPlatformaticDriver(resolved, log);
          },
          "See the driver table in the @switchyard/adapter-kafka README for the Node versions it needs, or use driver 'kafkajs'.",
        )
      : new DeferredDriver(
          kafkajsInfo(),
          async () => {
            const { createKafkajsDriver } = await import('./driver/kafkajs/kafkajs-driver.ts');
            return () => createKafkajsDriver(resolved, log);
          },
          "Reinstall @switchyard/adapter-kafka with its dependencies (kafkajs, and lz4-napi's prebuilt for this platform), or use driver 'platformatic'.",
        );
  return new KafkaTransport(resolved, driver, log);
}

/**
 * The transport from environment variables (what core's DI calls for `SWITCHYARD_TRANSPORT=kafka`):
 * `KAFKA_BROKERS` plus `SWITCHYARD_KAFKA_*` settings, listed in the README.
 */
export function transportFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): KafkaTransport {
  return kafka(kafkaOptionsFromEnv(env));
}
