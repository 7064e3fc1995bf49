import { describe, expect, it } from 'vitest';
import { isEventBusError } from '../errors.ts';
import { createEventBus } from '../event-bus.ts';
import { MemoryBroker } from '../memory/memory-broker.ts';
import { memoryTransport } from '../memory/memory-transport.ts';
import type { Transport } from '../transport.ts';

/** The in-memory transport with a broker that can stop answering (a SIGSTOPped broker) and come back. */
function stallable(): { transport: Transport; stall: () => void; resume: () => void } {
  const inner = memoryTransport({ broker: new MemoryBroker() });
  let gate: Promise<void> | undefined;
  let open: () => void = () => {};
  return {
    transport: {
      ...inner,
      name: inner.name,
      capabilities: inner.capabilities,
      connect: () => inner.connect(),
      send: async (messages) => {
        while (gate !== undefined) await gate;
        return inner.send(messages);
      },
      consume: (request, onMessages) => inner.consume(request, onMessages),
      health: () => inner.health(),
      close: () => inner.close(),
    },
    stall: () => {
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    resume: () => {
      gate = undefined;
      open();
    },
  };
}

describe('emit under a stalled broker', () => {
  it('keeps memory bounded, tells onError once a second instead of per emit, and recovers', async () => {
    const broker = stallable();
    const errors: Error[] = [];
    const bus = createEventBus({
      source: 'stall-test',
      transport: broker.transport,
      publishBuffer: { maxMessages: 1_000, maxWaitingMessages: 500 },
      onError: (e) => errors.push(e),
    });
    const seen = new Set<number>();
    await bus.subscribe('metrics', (e) => {
      seen.add(e.data as number);
    });
    broker.stall();
    for (let n = 0; n < 50_000; n++) bus.emit('metrics', { type: 'tick', data: n });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stalled = await bus.health();
    expect(stalled.publishBuffer.messages).toBeLessThanOrEqual(1_000);
    expect(stalled.publishBuffer.waiting).toBe(500);
    expect(errors.length).toBe(1);
    expect(isEventBusError(errors[0], 'BUFFER_FULL')).toBe(true);
    expect(errors[0]!.message).toMatch(/waiting room|wait for room/);

    broker.resume();
    await expect.poll(() => seen.size, { timeout: 5_000 }).toBe(1_500);
    bus.emit('metrics', { type: 'tick', data: -1 });
    await expect.poll(() => seen.has(-1)).toBe(true);
    await bus.close();
    // The refused emits were summarised, not reported one by one.
    expect(errors.length).toBeLessThanOrEqual(3);
    expect(errors.at(-1)!.message).toMatch(/more emits to metrics were refused/);
  });
});
