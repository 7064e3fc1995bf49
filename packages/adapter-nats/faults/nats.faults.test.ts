import { requireBroker } from '@switchyard/infra/env';
import { PrivateBroker } from '@switchyard/infra/private-broker';
import { runFaults } from '@switchyard/testkit';

// The faults suite crashes and pauses its server, so it runs on one of its own per version
// (infra/up on free ports), never on the shared ones; those being up say the servers are installed.
const servers = [
  { service: 'nats', label: 'nats-server 2.9', url: 'NATS_URL' },
  { service: 'nats-latest', label: 'nats-server latest', url: 'NATS_LATEST_URL' },
] as const;

for (const { service, label, url } of servers) {
  runFaults({
    name: `nats (${label})`,
    enabled: requireBroker(url, service) !== undefined,
    adapter: new URL('../src/index.ts', import.meta.url),
    broker: () => PrivateBroker.start(service),
    transportEnv: (env) => ({ NATS_URL: env[url] }),
    // Longer than a publish's deadline (publishTimeoutMs, 10 s): publishes in flight time out.
    pauseMs: 12_000,
  });
}
