/**
 * The NATS servers integration tests run against: Debian's nats-server 2.9.10 (the oldest we
 * promise to work with) and a current release, from the environment `infra/up` writes.
 * A server that is not configured is skipped locally (and the suite says so).
 */
export interface TestServer {
  readonly label: string;
  readonly url: string | undefined;
}

export const TEST_SERVERS: readonly TestServer[] = [
  { label: 'nats-server 2.9 (NATS_URL)', url: process.env.NATS_URL },
  { label: 'nats-server latest (NATS_LATEST_URL)', url: process.env.NATS_LATEST_URL },
];
