import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { name: 'example-orders', include: ['src/**/*.test.ts'], testTimeout: 60_000 },
});
