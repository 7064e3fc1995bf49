import { defineConfig } from 'vitest/config';
import { sourceConditions } from '../../vitest.shared.ts';

export default defineConfig({
  ...sourceConditions,
  test: { name: 'testkit', include: ['src/**/*.test.ts'], testTimeout: 30_000 },
});
