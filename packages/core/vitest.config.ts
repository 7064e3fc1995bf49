import { defineConfig } from 'vitest/config';
import { sourceConditions } from '../../vitest.shared.ts';

export default defineConfig({
  ...sourceConditions,
  test: { name: 'core', include: ['src/**/*.test.ts'], testTimeout: 20_000 },
});
