import { requireBroker } from '@switchyard/infra/env';
import { PrivateBroker } from '@switchyard/infra/private-broker';
import { runFaults } from '@switchyard/testkit';

// The faults suite crashes and pauses its broker, so it runs on one of its own (infra/up kafka on
// free ports), never on the shared one; that one being up says Kafka is installed here.
const installed = requireBroker('KAFKA_BROKERS', 'kafka');

runFaults({
  name: 'kafka (single node, durable)',
  enabled: installed !== undefined,
  adapter: new URL('../src/index.ts', import.meta.url),
  broker: () => PrivateBroker.start('kafka'),
  // Longer than the producer's request timeout (10 s, profile local): requests in flight time out.
  pauseMs: 12_000,
});
