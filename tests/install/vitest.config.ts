import { defineConfig } from 'vitest/config';
import { sourceConditions } from '../../vitest.shared.ts';

// The install test: builds and packs the public packages, installs them with npm into an app in
// a temporary directory outside the workspace and runs it on each Node line. Its own files run
// from sources like every other project; the app under test sees only the tarballs.
export default defineConfig({
  ...sourceConditions,
  test: {
    name: 'install',
    include: ['*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 600_000,
  },
});
