import { defineConfig } from 'vitest/config';

// One root config; each package is a project and tests run against `src` without a build.
// The faults suites and the Kafka certification (packages/*/faults/) crash, pause and restart
// brokers and load the machine: they run after every other project (groupOrder 1), one file at a
// time, so their figures are not skewed by, and do not skew, the rest of the run.
export default defineConfig({
  test: {
    projects: [
      'packages/*',
      'infra',
      'examples/*',
      'bench',
      'reliability',
      {
        test: {
          name: 'faults',
          include: ['packages/*/faults/**/*.test.ts'],
          sequence: { groupOrder: 1 },
          fileParallelism: false,
          testTimeout: 150_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
