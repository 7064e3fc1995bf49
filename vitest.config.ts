import { defineConfig } from 'vitest/config';
import { sourceConditions } from './vitest.shared.ts';

// One root config; each package is a project, and tests run against `src` without a build (the
// `@switchyard/source` export condition, see vitest.shared.ts). tests/install is the exception
// on purpose: it builds and packs the public packages and installs them outside the workspace.
//
// The faults suites and the Kafka certification (packages/*/faults/) crash, pause and restart
// brokers and load the machine: they run in a group of their own (sequence.groupOrder 1), one file
// at a time, never beside another project, so their figures are not skewed by the rest of the run
// and the certification never takes the shared cluster down under another suite. (Vitest runs the
// groups one after the other; projects limited to one worker, as on a 2-core machine, form the
// last group, so there the faults group runs first.)
export default defineConfig({
  ...sourceConditions,
  test: {
    projects: [
      'packages/*',
      'infra',
      'examples/*',
      'bench',
      'reliability',
      'tests/*',
      {
        ...sourceConditions,
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
