import { createEventBus, isEventBusError } from '@switchyard/core';
import { errorOf } from '@switchyard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redis } from './redis.ts';
import { quiet } from './test-support/fixture.ts';
import { PrivateRedisServer, REDIS_SERVER_BIN } from './test-support/private-server.ts';
import { REDIS_URL } from './test-support/servers.ts';

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

  it('reports the transport disconnected once the connect has failed, not still connecting', async () => {
    const bus = createEventBus({
      source: 'svc-redis-down',
      transport: redis({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 300, logger: quiet }),
    });
    try {
      await errorOf(bus.publish('orders', { type: 'order.placed', data: { n: 1 } }));
      expect((await bus.health()).transport.state).toBe('disconnected');
    } finally {
      await bus.close();
    }
  });
});

describe.skipIf(REDIS_SERVER_BIN === undefined)('a service started before its Redis server', () => {
  it('connects once the server is up: a refused first connect is not the last', async () => {
    // After a refused connect the client stayed 'reconnecting' with its retry timer cleared, and
    // every later connect waited out connectTimeoutMs: the service never reached the server.
    const server = await PrivateRedisServer.start();
    await server.kill(); // its port is known, and nothing listens there now
    const bus = createEventBus({
      source: 'svc-redis-early',
      transport: redis({ url: server.url, connectTimeoutMs: 500, logger: quiet }),
    });
    try {
      const first = await errorOf(bus.publish('orders', { type: 'order.placed', data: { n: 1 } }));
      expect(isEventBusError(first, 'CONNECTION_FAILED')).toBe(true);
      await server.start();
      const deadline = Date.now() + 20_000;
      let receipt: Awaited<ReturnType<typeof bus.publish>> | undefined;
      while (receipt === undefined) {
        receipt = await bus.publish('orders', { type: 'order.placed', data: { n: 2 } }).catch((error) => {
          if (Date.now() > deadline) throw error;
          return undefined;
        });
        if (receipt === undefined) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(receipt.topic).toBe('orders');
      expect((await bus.health()).transport.state).toBe('connected');
    } finally {
      await bus.close();
      await server.stop();
    }
  });
});

describe.skipIf(REDIS_SERVER_BIN === undefined)('a Redis server that refuses the password', () => {
  let server: PrivateRedisServer;
  beforeAll(async () => {
    server = await PrivateRedisServer.start(['--requirepass', 'the-right-one']);
  });
  afterAll(() => server?.stop());

  it('reports the transport disconnected at once after the failed authentication', async () => {
    const bus = createEventBus({
      source: 'orders-svc',
      transport: redis({ url: `redis://:not-the-password@127.0.0.1:${server.port}`, logger: quiet }),
    });
    try {
      const error = await errorOf(bus.publish('orders', { type: 'order.placed', data: { n: 1 } }));
      expect(isEventBusError(error, 'AUTHENTICATION_FAILED')).toBe(true);
      expect((await bus.health()).transport.state).toBe('disconnected');
    } finally {
      await bus.close();
    }
  });
});

describe.skipIf(REDIS_URL === undefined)('closing', () => {
  it('reports the transport closed after bus.close() (a service that subscribed and published)', async () => {
    const bus = createEventBus({
      source: 'orders-svc',
      transport: redis({ url: REDIS_URL!, logger: quiet }),
    });
    const topic = `test.close.${Math.random().toString(36).slice(2, 10)}`;
    await bus.subscribe(topic, () => {}, { group: 'billing' });
    await bus.publish(topic, { type: 'order.placed', data: { orderId: 'o-1' } });
    await bus.close();
    const health = await bus.health();
    expect(health.ok).toBe(false);
    expect(health.transport.state).toBe('closed');
  });
});
