import { runConformance } from '@switchyard/testkit';
import { kafka } from './kafka.ts';
import { requireBroker } from './test-support/brokers.ts';

const KAFKA_BROKERS = requireBroker('KAFKA_BROKERS', 'kafka');

// The whole contract against the real single-node broker, with the default (durable) tuning.
runConformance({
  name: 'kafka (single node, durable)',
  enabled: KAFKA_BROKERS !== undefined,
  createTransport: () => kafka({ brokers: (KAFKA_BROKERS ?? '').split(',') }),
});
