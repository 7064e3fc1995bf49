import { describe, expect, it } from 'vitest';
import { EventBusError } from './errors.ts';
import { createEventBus } from './event-bus.ts';
import { MemoryBroker } from './memory/memory-broker.ts';
import { memoryTransport } from './memory/memory-transport.ts';
import type { ErrorReport } from './options.ts';

describe('close when the broker is gone', () => {
  it('resolves, so a shutdown hook finishes, and reports what the transport could not do to onError', async () => {
    const inner = memoryTransport({ broker: new MemoryBroker() });
    const refusal = new EventBusError('CONNECTION_FAILED', 'connection disconnected', { retriable: true });
    const transport = {
      ...inner,
      connect: () => inner.connect(),
      send: (...args: Parameters<typeof inner.send>) => inner.send(...args),
      consume: (...args: Parameters<typeof inner.consume>) => inner.consume(...args),
      health: () => inner.health(),
      close: async () => {
        await inner.close();
        throw refusal;
      },
    };
    const reports: { error: Error; report: ErrorReport }[] = [];
    const bus = createEventBus({
      source: 'orders-svc',
      transport,
      onError: (error, report) => reports.push({ error, report }),
    });
    await bus.subscribe('orders', () => {});
    await bus.publish('orders', { type: 'x', data: 1 });
    await expect(bus.close()).resolves.toBeUndefined();
    expect(reports).toEqual([{ error: refusal, report: { operation: 'close' } }]);
    expect((await bus.health()).lastError).toBe('connection disconnected');
  });
});
