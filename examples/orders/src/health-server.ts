import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventBus } from '@switchyard/core';

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Liveness and readiness over HTTP on 127.0.0.1:
 * - `GET /healthz` answers 200 while the process serves requests. It does not look at the broker:
 *   a broker outage must not get the process restarted, only taken out of rotation.
 * - `GET /readyz` answers 200 when `bus.health().ok` (transport connected, every subscription
 *   running), else 503; the body is the whole health report as JSON either way.
 */
export async function startHealthServer(bus: EventBus, port: number): Promise<HealthServer> {
  const server = createServer((request, response) => {
    const path = request.url?.split('?')[0];
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(`${JSON.stringify(body, null, 2)}\n`);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(405, { error: 'use GET' });
    if (path === '/healthz') return reply(200, { status: 'alive' });
    if (path === '/readyz') {
      bus.health().then(
        (health) => reply(health.ok ? 200 : 503, health),
        (error: unknown) => reply(503, { ok: false, error: String(error) }),
      );
      return;
    }
    reply(404, { error: 'not found: try /healthz or /readyz' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
