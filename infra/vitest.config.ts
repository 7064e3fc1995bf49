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
  },
});
