import { defineConfig } from 'vitest/config';
import { sourceConditions } from '../vitest.shared.ts';

// Smoke tests against real brokers started by `infra/up`. Each file skips (locally) or fails (CI)
// through requireBroker when its broker is not running. One fork at a time: the cluster test kills
// and restarts a broker, and two JVM-heavy suites in parallel on 2 cores only make both slower.
export default defineConfig({
  ...sourceConditions,
  test: {
    name: 'infra',
    include: ['smoke/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    // The Kafka smoke tests use kafkajs 2.2.4 as it is published (what the brokers must serve), and
    // its request queue re-arms a timer with a negative delay (upstream #1704/#1751), which Node
    // ≥ 23 reports as a TimeoutNegativeWarning. The adapter patches that queue (`patchKafkajs`);
    // infra cannot import the adapter (the adapter's tests import infra), so the warning is turned
    // off here, for these tests only.
    execArgv: ['--disable-warning=TimeoutNegativeWarning'],
  },
});
