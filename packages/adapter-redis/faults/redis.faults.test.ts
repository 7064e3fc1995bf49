import { requireBroker } from '@switchyard/infra/env';
import { PrivateBroker } from '@switchyard/infra/private-broker';
import { runFaults } from '@switchyard/testkit';

// On a private redis-server (infra/up on free ports) with the append-only file, fsync every
// second (Redis's recommended setting), never on the shared one.
runFaults({
  name: 'redis (append-only file)',
  enabled: requireBroker('REDIS_URL', 'redis') !== undefined,
  adapter: new URL('../src/index.ts', import.meta.url),
  broker: () => PrivateBroker.start('redis', { settings: { INFRA_REDIS_APPENDONLY: 'yes' } }),
  transportEnv: (env) => ({ REDIS_URL: env.REDIS_URL }),
  // Longer than a publish's deadline (publishTimeoutMs, 10 s): publishes in flight time out.
  pauseMs: 12_000,
});
