import { createEventBus, MemoryBroker, memoryTransport } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { runDemo } from './run-demo.ts';

describe('orders demo', () => {
  it('bills and ships every order, retrying flaky ones and dead-lettering the poison ones', async () => {
    const bus = createEventBus({
      source: 'orders-svc',
      transport: memoryTransport({ broker: new MemoryBroker() }),
      onError: () => {},
    });
    const tally = await runDemo(bus, {
      orders: 500,
      poisonEvery: 100,
      flakyRate: 0.1,
      timeoutMs: 20_000,
      log: () => {},
    });
    await bus.close();
    expect(tally.published).toBe(500);
    expect(tally.shipped.size).toBe(500);
    expect(tally.deadLettered).toBe(5);
    expect(tally.billed.size).toBe(495);
    expect(tally.retried).toBeGreaterThan(0);
  });
});
