import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { name: 'reliability', include: ['src/**/*.test.ts'] },
});
