import { createEventBus, MemoryBroker, memoryTransport } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { ORDERS_TOPIC, OrderPlaced } from './events.ts';
import { runFixedBilling } from './run-billing.ts';

describe('the fixed billing service', () => {
  it('charges every order, and says which ones came back from the dead-letter topic', async () => {
    const bus = createEventBus({
      source: 'orders-svc',
      transport: memoryTransport({ broker: new MemoryBroker() }),
    });
    const order = (n: number) => ({ orderId: `o-${n}`, customer: `customer-${n}`, total: 10, items: 1 });
    await bus.publish(ORDERS_TOPIC, OrderPlaced(order(1), { key: 'o-1' }));
    await bus.publish(
      ORDERS_TOPIC,
      OrderPlaced(order(2), { key: 'o-2', headers: { 'switchyard-redrive-count': '1' } }),
    );
    const lines: string[] = [];
    const tally = await runFixedBilling(bus, { idleMs: 300, timeoutMs: 10_000, log: (l) => lines.push(l) });
    await bus.close();
    expect(tally).toEqual({ charged: 2, redriven: 1 });
    expect(lines).toEqual([expect.stringMatching(/^charged o-2 for customer-2 \(redriven 1×, placed /)]);
  });
});
