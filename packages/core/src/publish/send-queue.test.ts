import { describe, expect, it } from 'vitest';
import { EventBusError, isEventBusError } from '../errors.ts';
import { createEventBus } from '../event-bus.ts';
import { memoryTransport } from '../memory/memory-transport.ts';
import type { OutboundMessage, SendOutcome, Transport } from '../transport.ts';

/** The memory transport, with every `send` call recorded and an optional outcome override. */
function recordingTransport(
  outcome?: (m: OutboundMessage) => SendOutcome | undefined,
): Transport & { calls: number[] } {
  const inner = memoryTransport();
  const calls: number[] = [];
  return Object.assign(Object.create(inner) as Transport, {
    calls,
    connect: () => inner.connect(),
    send: async (messages: readonly OutboundMessage[]) => {
      calls.push(messages.length);
      const real = await inner.send(messages);
      return messages.map((m, i) => outcome?.(m) ?? real[i]!);
    },
    close: () => inner.close(),
  });
}

describe('sending queued publishes', () => {
  it('sends every publish made in the same tick in one transport call (ticks under ~4 KiB)', async () => {
    const transport = recordingTransport();
    const bus = createEventBus({ source: 't', transport });
    await bus.publish('p1', { type: 'warm', data: 0 });
    const receipts = await Promise.all(
      Array.from({ length: 10 }, (_, n) => bus.publish('p1', { type: 'x', data: n })),
    );
    expect(transport.calls).toEqual([1, 10]);
    expect(new Set(receipts.map((r) => r.id)).size).toBe(10);
    await bus.close();
  });

  it("puts a burst's first ~4 KiB on the wire at once, the rest of the tick in one send after it", async () => {
    const transport = recordingTransport();
    const bus = createEventBus({ source: 't', transport });
    await bus.publish('p1', { type: 'warm', data: 0 });
    const publishes = Array.from({ length: 200 }, (_, n) => bus.publish('p1', { type: 'x', data: n }));
    // While the caller is still publishing, the burst's first events already went to the transport.
    expect(transport.calls.length).toBe(2);
    expect(transport.calls[1]).toBeGreaterThan(1);
    expect(transport.calls[1]).toBeLessThan(50);
    const receipts = await Promise.all(publishes);
    expect(transport.calls.length).toBe(3);
    expect(transport.calls[1]! + transport.calls[2]!).toBe(200);
    expect(new Set(receipts.map((r) => r.id)).size).toBe(200);
    // The next tick starts again with a small first send.
    await Promise.all(Array.from({ length: 200 }, (_, n) => bus.publish('p1', { type: 'y', data: n })));
    expect(transport.calls.slice(3)).toEqual(transport.calls.slice(1, 3));
    await bus.close();
  });

  it('sends a large tick in chunks of about 64 KiB, the first before the tick ends, in order', async () => {
    const transport = recordingTransport();
    const bus = createEventBus({ source: 't', transport });
    await bus.publish('p-burst', { type: 'warm', data: 0 });
    const data = 'x'.repeat(1_000);
    const publishes = Array.from({ length: 200 }, (_, n) =>
      bus.publish('p-burst', { type: 'x', data: { n, data }, key: 'k' }),
    );
    expect(transport.calls.length).toBeGreaterThan(1); // already sending while the tick runs
    const receipts = await Promise.all(publishes);
    expect(transport.calls.slice(1).reduce((a, b) => a + b, 0)).toBe(200);
    expect(transport.calls.length).toBeGreaterThanOrEqual(4); // ~200 KB in sends of ~64 KiB
    const offsets = receipts.map((r) => Number(r.offset));
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    await bus.close();
  });

  it('keeps a large tick in order when it is published before the first connect', async () => {
    const transport = recordingTransport();
    const bus = createEventBus({ source: 't', transport });
    const data = 'x'.repeat(1_000);
    const burst = (from: number) =>
      Array.from({ length: 100 }, (_, i) =>
        bus.publish('p-early', { type: 'x', data: { n: from + i, data }, key: 'k' }),
      );
    const first = burst(0);
    await Promise.resolve(); // a second burst a microtask later, while the first waits for the connect
    const receipts = await Promise.all([...first, ...burst(100)]);
    const offsets = receipts.map((r) => Number(r.offset));
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    await bus.close();
  });

  it('settles a publish when the transport reports its outcome, not when the slowest of its tick is known', async () => {
    const inner = memoryTransport();
    const held = Promise.withResolvers<void>();
    const transport: Transport = Object.assign(Object.create(inner) as Transport, {
      connect: () => inner.connect(),
      close: () => inner.close(),
      health: () => inner.health(),
      send: async (
        messages: readonly OutboundMessage[],
        onOutcome?: (index: number, outcome: SendOutcome) => void,
      ) => {
        const real = await inner.send(messages);
        onOutcome?.(0, real[0]!); // the first is acknowledged at once ...
        await held.promise; // ... the second only later
        onOutcome?.(0, { ok: false, error: new EventBusError('INTERNAL', 'reported twice') });
        return real;
      },
    });
    const bus = createEventBus({ source: 't', transport });
    await bus.publish('p-each', { type: 'warm', data: 0 });
    let secondDone = false;
    const first = bus.publish('p-each', { type: 'x', data: 1 });
    const second = bus.publish('p-each', { type: 'x', data: 2 }).then((r) => {
      secondDone = true;
      return r;
    });
    const receipt = await first;
    expect(receipt.topic).toBe('p-each');
    expect(secondDone).toBe(false);
    expect((await bus.health()).publishBuffer.messages).toBe(1);
    held.resolve();
    await second;
    // a second report for the same event changes nothing, and the buffer is released once
    await expect(first).resolves.toEqual(receipt);
    expect((await bus.health()).publishBuffer.messages).toBe(0);
    await bus.close();
  });

  it('sends awaited publishes one by one, for latency', async () => {
    const transport = recordingTransport();
    const bus = createEventBus({ source: 't', transport });
    for (let n = 0; n < 3; n++) await bus.publish('p2', { type: 'x', data: n });
    expect(transport.calls).toEqual([1, 1, 1]);
    await bus.close();
  });

  it('settles each publish with its own outcome when one event of a batch fails', async () => {
    const transport = recordingTransport((m) =>
      (m.value as Buffer).toString() === '"bad"'
        ? { ok: false, error: new EventBusError('PUBLISH_FAILED', 'broker said no', { retriable: true }) }
        : undefined,
    );
    const bus = createEventBus({ source: 't', transport });
    const results = await Promise.allSettled(
      ['a', 'bad', 'c'].map((data) => bus.publish('p3', { type: 'x', data })),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const error = await bus
      .publishBatch('p3', [
        { type: 'x', data: 'ok' },
        { type: 'x', data: 'bad' },
      ])
      .catch((e) => e);
    expect(isEventBusError(error, 'PUBLISH_FAILED')).toBe(true);
    expect(error.message).toMatch(/1 of 2 events were not published/);
    expect(error.retriable).toBe(true);
    expect(error.details.failures).toEqual([{ index: 1, error: expect.any(EventBusError) }]);
    await bus.close();
  });

  it('closes only once the sends of every earlier tick are settled, while they are still in flight', async () => {
    const inner = memoryTransport();
    let inFlight = 0;
    let sends = 0;
    const transport: Transport = Object.assign(Object.create(inner) as Transport, {
      connect: () => inner.connect(),
      // Each send takes a few ms, so the sends of several ticks overlap when close is called.
      send: async (messages: readonly OutboundMessage[]) => {
        inFlight++;
        sends++;
        await new Promise((resolve) => setTimeout(resolve, 5));
        const outcomes = await inner.send(messages);
        inFlight--;
        return outcomes;
      },
      close: () => inner.close(),
    });
    const failed: unknown[] = [];
    const bus = createEventBus({ source: 't', transport, onError: (e) => void failed.push(e) });
    const published: Array<Promise<unknown>> = [];
    for (let tick = 0; tick < 4; tick++) {
      published.push(bus.publish('orders', { type: 'o', key: `k${tick}`, data: tick }));
      bus.emit('audit', { type: 'a', data: tick });
      await Promise.resolve(); // the tick's send leaves; the next tick's overlaps it
    }
    expect(inFlight).toBeGreaterThan(1);
    await bus.close();
    expect(inFlight).toBe(0);
    expect(sends).toBe(4);
    await expect(Promise.all(published)).resolves.toHaveLength(4);
    expect(failed).toEqual([]);
  });
});
