import { defineConfig } from 'vitest/config';

// One root config; each package is a project and tests run against `src` without a build.
export default defineConfig({
  test: {
    projects: ['packages/*', 'infra', 'examples/*', 'bench'],
  },
});
