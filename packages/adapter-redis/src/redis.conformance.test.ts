import { runConformance } from '@switchyard/testkit';
import { redis } from './redis.ts';
import { REDIS_URL } from './test-support/servers.ts';

// The whole contract against the real server, with the default settings.
runConformance({
  name: 'redis',
  enabled: REDIS_URL !== undefined,
  createTransport: () => redis({ url: REDIS_URL ?? '', logger: { warn: () => {}, error: console.error } }),
});
