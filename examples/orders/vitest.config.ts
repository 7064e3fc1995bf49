import { defineConfig } from 'vitest/config';
import { sourceConditions } from '../../vitest.shared.ts';

export default defineConfig({
  ...sourceConditions,
  test: { name: 'example-orders', include: ['src/**/*.test.ts'], testTimeout: 60_000 },
});
