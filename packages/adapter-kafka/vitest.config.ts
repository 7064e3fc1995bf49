import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { name: 'adapter-kafka', include: ['src/**/*.test.ts'], testTimeout: 30_000 },
});
