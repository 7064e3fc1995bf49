import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { name: 'adapter-redis', include: ['src/**/*.test.ts'], testTimeout: 30_000 },
});
