import { runConformance } from '@switchyard/testkit';
import type { KafkaDriverName } from './driver/driver.ts';
import { kafka } from './kafka.ts';
import { requireBroker } from './test-support/brokers.ts';

const KAFKA_BROKERS = requireBroker('KAFKA_BROKERS', 'kafka');

// The whole contract against the real single-node broker, with the default (durable) tuning, on
// each driver.
for (const driver of ['kafkajs', 'platformatic'] as const satisfies readonly KafkaDriverName[]) {
  runConformance({
    name: `kafka (single node, durable, ${driver})`,
    enabled: KAFKA_BROKERS !== undefined,
    createTransport: () => kafka({ brokers: (KAFKA_BROKERS ?? '').split(','), driver }),
  });
}
