import { afterEach, describe, expect, it } from 'vitest';
import { createEventBus } from '../event-bus.ts';
import type { ConnectionState, Transport } from '../transport.ts';
import type { EventBus } from '../types.ts';
import { fakeTransport } from './test-transports.ts';

const buses: EventBus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.close({ drainTimeoutMs: 200 })));
});

function newBus(transport: Transport = fakeTransport()): EventBus {
  const bus = createEventBus({ source: 'svc', transport, onError: () => {} });
  buses.push(bus);
  return bus;
}

describe('bus.health()', () => {
  it('follows the connection: not ok before first use, ok once connected, closed after close', async () => {
    const bus = newBus();
    const before = await bus.health();
    expect(before).toMatchObject({ ok: false, transport: { name: 'memory', state: 'disconnected' } });
    expect(Date.parse(before.checkedAt)).toBeGreaterThan(0);

    await bus.subscribe('h-orders', () => {});
    expect(await bus.health()).toMatchObject({
      ok: true,
      transport: { state: 'connected' },
      subscriptions: [{ topic: 'h-orders', group: 'svc', state: 'running', inFlight: 0, queued: 0, lag: 0 }],
    });

    await bus.close();
    expect(await bus.health()).toMatchObject({
      ok: false,
      transport: { state: 'closed' },
      subscriptions: [],
    });
  });

  it('is not ok while the transport reconnects', async () => {
    let state: ConnectionState | undefined;
    const bus = newBus(fakeTransport({ state: () => state }));
    await bus.subscribe('h-reconnect', () => {});
    expect((await bus.health()).ok).toBe(true);
    state = 'reconnecting';
    expect(await bus.health()).toMatchObject({ ok: false, transport: { state: 'reconnecting' } });
  });

  it('shows per subscription the handlers running, the events waiting and the lag, and pauses at prefetch', async () => {
    const bus = newBus();
    const { promise: released, resolve: release } = Promise.withResolvers<void>();
    let started = 0;
    let finished = 0;
    await bus.subscribe(
      'h-slow',
      async () => {
        started++;
        await released;
        finished++;
      },
      { group: 'slow', concurrency: 2, prefetch: 3 },
    );
    await Promise.all(
      [1, 2, 3, 4, 5, 6].map((n) => bus.publish('h-slow', { type: 'x', data: n, key: `k${n}` })),
    );
    await expect.poll(() => started).toBe(2);

    const busy = await bus.health();
    expect(busy.subscriptions).toEqual([
      {
        topic: 'h-slow',
        group: 'slow',
        types: ['*'],
        state: 'paused',
        inFlight: 2,
        queued: 1,
        unhandled: 0,
        lag: 6,
        lagDetails: { total: 6 },
      },
    ]);
    expect(busy.ok).toBe(true); // paused by backpressure is healthy

    release();
    await expect.poll(() => finished).toBe(6);
    await expect
      .poll(async () => (await bus.health()).subscriptions[0])
      .toMatchObject({ state: 'running', inFlight: 0, queued: 0, lag: 0 });
  });

  it('reports the last handler error of each subscription', async () => {
    const bus = newBus();
    let calls = 0;
    await bus.subscribe(
      'h-failing',
      () => {
        calls++;
        throw new Error('card declined for customer-7');
      },
      { retry: false, deadLetter: false },
    );
    await bus.subscribe('h-fine', () => {});
    await bus.publish('h-failing', { type: 'x', data: 1 });
    await expect.poll(() => calls).toBe(1);
    const health = await bus.health();
    expect(health.subscriptions.find((s) => s.topic === 'h-failing')?.lastError).toBe(
      'card declined for customer-7',
    );
    expect(health.subscriptions.find((s) => s.topic === 'h-fine')?.lastError).toBeUndefined();
  });

  it('shows events awaiting the broker in the publish buffer', async () => {
    const bus = createEventBus({
      source: 'svc',
      transport: fakeTransport({ stallSends: true }),
      publishBuffer: { maxMessages: 10 },
      onError: () => {},
    });
    for (let n = 0; n < 3; n++) void bus.publish('h-stuck', { type: 'x', data: n }).catch(() => {});
    await expect.poll(async () => (await bus.health()).publishBuffer.messages).toBe(3);
    const { publishBuffer } = await bus.health();
    expect(publishBuffer.maxMessages).toBe(10);
    expect(publishBuffer.bytes).toBeGreaterThan(0);
    // not closed: its sends never settle
  });

  it('counts publishes and emits made before the first connect finished, until they reach the buffer', async () => {
    const gate = Promise.withResolvers<void>();
    const bus = newBus(fakeTransport({ connectGate: gate.promise }));
    bus.emit('h-early', { type: 'x', data: 1 });
    const early = bus.publish('h-early', { type: 'x', data: 2 });
    expect((await bus.health({ timeoutMs: 50 })).publishBuffer.awaitingConnect).toBe(2);
    gate.resolve();
    await early;
    expect((await bus.health()).publishBuffer.awaitingConnect).toBe(0);
  });

  it('answers within the timeout when neither the transport nor the lag query does, saying what did not answer', async () => {
    const bus = newBus(fakeTransport({ stallHealth: true, stallLag: true }));
    await bus.subscribe('h-hung', () => {}, { group: 'g' });
    const started = Date.now();
    const health = await bus.health({ timeoutMs: 50 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(health.ok).toBe(false);
    expect(health.transport.state).toBe('disconnected');
    expect(health.transport.lastError).toMatch(/memory transport's health did not answer within 50 ms/);
    expect(health.subscriptions[0]).toMatchObject({ state: 'running' });
    expect(health.subscriptions[0]!.lag).toBeUndefined();
    expect(health.subscriptions[0]!.lastError).toMatch(/lag of h-hung\/g did not answer within 50 ms/);
  });
});
