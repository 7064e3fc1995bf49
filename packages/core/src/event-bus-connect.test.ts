import { describe, expect, it } from 'vitest';
import { isEventBusError } from './errors.ts';
import { createEventBus } from './event-bus.ts';
import { memoryTransport } from './memory/memory-transport.ts';
import type { Transport } from './transport.ts';

/** The memory transport, whose first `failures` connects fail like an unreachable broker. */
function flakyTransport(failures: number): Transport & { connects: number } {
  const transport = Object.assign(memoryTransport(), { connects: 0 });
  const connect = transport.connect.bind(transport);
  transport.connect = async () => {
    transport.connects++;
    if (transport.connects <= failures) throw new Error('connect ECONNREFUSED 127.0.0.1:1');
    await connect();
  };
  return transport;
}

describe('bus.connect()', () => {
  it('connects at startup, so the first publish does not, and connects only once', async () => {
    const transport = flakyTransport(0);
    const bus = createEventBus({ source: 'orders', transport });
    await bus.connect();
    expect(transport.connects).toBe(1);
    expect((await bus.health()).transport.state).toBe('connected');
    await bus.connect();
    await bus.publish('orders', { type: 'order.placed', data: { id: 1 } });
    expect(transport.connects).toBe(1);
    await bus.close();
  });

  it('fails fast with CONNECTION_FAILED when the broker is not there, and a later call tries again', async () => {
    const transport = flakyTransport(1);
    const bus = createEventBus({ source: 'orders', transport });
    const error = await bus.connect().catch((e: unknown) => e);
    expect(isEventBusError(error) && error.code).toBe('CONNECTION_FAILED');
    expect(String(error)).toContain('ECONNREFUSED');
    await bus.connect();
    expect(transport.connects).toBe(2);
    const received: unknown[] = [];
    await bus.subscribe('orders-retry', (event) => {
      received.push(event.data);
    });
    await bus.publish('orders-retry', { type: 'order.placed', data: { id: 2 } });
    await bus.close();
    expect(received).toEqual([{ id: 2 }]);
  });

  it('settles publishes and batches with CONNECTION_FAILED when a transport connect throws instead of rejecting', async () => {
    // A transport that broke the contract this way left the first send's events unsettled: the
    // publish and the batch never settled, and the throw escaped from a microtask.
    const transport = Object.assign(memoryTransport(), {
      connect: (): Promise<void> => {
        throw new Error('no brokers configured');
      },
    });
    const bus = createEventBus({ source: 'orders', transport });
    const [single, batch] = await Promise.all([
      bus.publish('orders', { type: 'order.placed', data: 1 }).catch((e) => e),
      bus.publishBatch('orders', [{ type: 'order.placed', data: 2 }]).catch((e) => e),
    ]);
    expect(isEventBusError(single, 'CONNECTION_FAILED')).toBe(true);
    expect((single as Error).message).toMatch(/no brokers configured/);
    expect(isEventBusError(batch, 'CONNECTION_FAILED')).toBe(true);
    await bus.close();
  });

  it('closes a transport whose connect failed, so what it opened meanwhile is let go', async () => {
    // A bus whose broker refused it (a wrong password, nothing listening) left its transport
    // unclosed: its health stayed 'disconnected' after close, and a client's reconnect timers and
    // sockets were the transport's own business.
    const transport = flakyTransport(1);
    let closes = 0;
    const close = transport.close.bind(transport);
    transport.close = async () => {
      closes++;
      await close();
    };
    const bus = createEventBus({ source: 'orders', transport });
    expect(isEventBusError(await bus.connect().catch((e: unknown) => e), 'CONNECTION_FAILED')).toBe(true);
    await bus.close();
    expect(closes).toBe(1);
    expect((await bus.health()).transport.state).toBe('closed');
  });

  it('does not close a transport it never asked to connect', async () => {
    const transport = flakyTransport(0);
    let closes = 0;
    transport.close = async () => {
      closes++;
    };
    await createEventBus({ source: 'orders', transport }).close();
    expect(closes).toBe(0);
  });

  it('refuses after close, saying the bus is closed', async () => {
    const bus = createEventBus({ source: 'orders', transport: memoryTransport() });
    await bus.close();
    const error = await bus.connect().catch((e: unknown) => e);
    expect(isEventBusError(error) && error.code).toBe('CLOSED');
  });
});
