import { requireBroker } from '@switchyard/infra/env';
import { PrivateBroker } from '@switchyard/infra/private-broker';
import { runFaults } from '@switchyard/testkit';

// The same scenarios as kafka.faults.test.ts on the @platformatic/kafka driver: its connections,
// reconnects, idempotent producer id and group membership are the client's own, not kafkajs'.
const installed = requireBroker('KAFKA_BROKERS', 'kafka');

runFaults({
  name: 'kafka (single node, durable, platformatic driver)',
  enabled: installed !== undefined,
  adapter: new URL('../src/index.ts', import.meta.url),
  broker: () => PrivateBroker.start('kafka'),
  transportEnv: (env) => ({ ...env, SWITCHYARD_KAFKA_DRIVER: 'platformatic' }),
  // Longer than the producer's request timeout (10 s, profile local): requests in flight time out.
  pauseMs: 12_000,
});
