import { defineConfig } from 'vitest/config';
import { sourceConditions } from '../vitest.shared.ts';

export default defineConfig({
  ...sourceConditions,
  test: { name: 'reliability', include: ['src/**/*.test.ts'] },
});
