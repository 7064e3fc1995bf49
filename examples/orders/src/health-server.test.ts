import { createEventBus, MemoryBroker, memoryTransport } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { startHealthServer } from './health-server.ts';

describe('health over HTTP', () => {
  it('answers liveness always and readiness from bus.health(), with the report as the body', async () => {
    const bus = createEventBus({
      source: 'orders-svc',
      transport: memoryTransport({ broker: new MemoryBroker() }),
      onError: () => {},
    });
    const server = await startHealthServer(bus, 0);
    const get = async (path: string) => {
      const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
      return { status: response.status, body: await response.json() };
    };
    try {
      expect(await get('/healthz')).toEqual({ status: 200, body: { status: 'alive' } });

      // not connected yet: alive but not ready
      const before = await get('/readyz');
      expect(before.status).toBe(503);
      expect(before.body).toMatchObject({ ok: false, transport: { name: 'memory', state: 'disconnected' } });

      await bus.subscribe('orders', () => {}, { group: 'billing' });
      const ready = await get('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({
        ok: true,
        transport: { state: 'connected' },
        publishBuffer: { messages: 0 },
        subscriptions: [{ topic: 'orders', group: 'billing', state: 'running', inFlight: 0, lag: 0 }],
      });

      await bus.close();
      expect((await get('/readyz')).status).toBe(503);
      expect((await get('/healthz')).status).toBe(200);
      expect((await get('/nope')).status).toBe(404);
    } finally {
      await server.close();
      await bus.close();
    }
  });
});
