import { createEventBus, isEventBusError } from '@switchyard/core';
import { errorOf } from '@switchyard/testkit';
import { describe, expect, it } from 'vitest';
import { redis } from './redis.ts';

describe('a Redis server that is down', () => {
  it('costs the first publish the connect timeout, and fails the next ones at once while the transport backs off', async () => {
    // Nothing listens on port 1: every connection is refused.
    const bus = createEventBus({
      source: 'svc-redis-down',
      transport: redis({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 1_000 }),
    });
    try {
      const first = await errorOf(bus.publish('orders', { type: 'order.placed', data: { n: 1 } }));
      expect(isEventBusError(first, 'CONNECTION_FAILED')).toBe(true);
      expect((first as Error).message).toMatch(/no connection within connectTimeoutMs 1000/);

      const next = await errorOf(bus.publish('orders', { type: 'order.placed', data: { n: 2 } }));
      const subscribe = await errorOf(bus.subscribe('orders', () => {}));
      for (const error of [next, subscribe]) {
        expect(isEventBusError(error, 'CONNECTION_FAILED')).toBe(true);
        expect((error as Error).message).toMatch(
          /not tried again for \d+ ms: backing off after 1 failed connect/,
        );
      }
      expect((await bus.health()).transport.details).toMatchObject({ connectBackoff: { failedConnects: 1 } });
    } finally {
      await bus.close();
    }
  });
});
