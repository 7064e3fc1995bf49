import { brokerEnv, requireBroker } from '@switchyard/infra/env';

/** The shared server of `infra/up redis` (no auth, no persistence). */
export const REDIS_URL = requireBroker('REDIS_URL', 'redis');

/** The secured server of `infra/up redis-secure`: TLS only, an ACL user, the default user off. */
export const SECURE_SERVER = {
  url: requireBroker('REDIS_SECURE_URL', 'redis-secure'),
  user: brokerEnv('REDIS_SECURE_USER'),
  password: brokerEnv('REDIS_SECURE_PASSWORD'),
  caFile: brokerEnv('REDIS_SECURE_CA_FILE'),
};
