import { defineConfig } from 'vitest/config';
import { sourceConditions } from '../../vitest.shared.ts';

export default defineConfig({
  ...sourceConditions,
  test: { name: 'adapter-kafka', include: ['src/**/*.test.ts'], testTimeout: 30_000 },
});
