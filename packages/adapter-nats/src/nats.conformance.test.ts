import { runConformance } from '@switchyard/testkit';
import { nats } from './nats.ts';
import { TEST_SERVERS } from './test-support/servers.ts';

// The whole contract, proved against each real server version.
for (const server of TEST_SERVERS) {
  runConformance({
    name: `nats (${server.label})`,
    enabled: server.url !== undefined,
    createTransport: () =>
      nats({ servers: server.url ?? '', logger: { warn: () => {}, error: console.error } }),
  });
}
