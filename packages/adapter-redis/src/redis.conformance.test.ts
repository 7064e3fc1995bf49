import { runConformance } from '@switchyard/testkit';
import { redis } from './redis.ts';
import { REDIS_URL, SECURE_SERVER } from './test-support/servers.ts';

const logger = { warn: () => {}, error: console.error };

// The whole contract against the real server, with the default settings …
runConformance({
  name: 'redis',
  enabled: REDIS_URL !== undefined,
  createTransport: () => redis({ url: REDIS_URL ?? '', logger }),
});

// … and over TLS as an ACL user (the credentials in the URL, as REDIS_SECURE_URL gives them).
runConformance({
  name: 'redis (TLS, ACL user)',
  enabled: SECURE_SERVER.url !== undefined && SECURE_SERVER.caFile !== undefined,
  createTransport: () =>
    redis({ url: SECURE_SERVER.url ?? '', tls: { caFile: SECURE_SERVER.caFile ?? '' }, logger }),
});
