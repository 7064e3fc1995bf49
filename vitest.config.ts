import { defineConfig } from 'vitest/config';
import { sourceConditions } from './vitest.shared.ts';

// One root config; each package is a project, and tests run against `src` without a build (the
// `@switchyard/source` export condition, see vitest.shared.ts). tests/install is the exception
// on purpose: it builds and packs the public packages and installs them outside the workspace.
export default defineConfig({
  ...sourceConditions,
  test: {
    projects: ['packages/*', 'infra', 'examples/*', 'bench', 'tests/*'],
  },
});
