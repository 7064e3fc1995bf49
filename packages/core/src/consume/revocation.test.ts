import { describe, expect, it } from 'vitest';
import { jsonCodec } from '../codec.ts';
import { createEventBus } from '../event-bus.ts';
import { MemoryBroker } from '../memory/memory-broker.ts';
import { memoryTransport } from '../memory/memory-transport.ts';
import type { InboundMessage, Transport } from '../transport.ts';
import { toWire } from '../wire.ts';

/** The memory transport, except that the test hands events to the subscription itself (as a broker would after a rebalance). */
function handDelivery(): { transport: Transport; deliver: (messages: InboundMessage[]) => void } {
  const inner = memoryTransport({ broker: new MemoryBroker() });
  let sink: ((messages: readonly InboundMessage[]) => void) | undefined;
  const transport: Transport = {
    name: 'memory',
    capabilities: inner.capabilities,
    connect: () => inner.connect(),
    send: (messages) => inner.send(messages),
    consume: async (_request, onMessages) => {
      sink = onMessages;
      return { pause() {}, resume() {}, stop: async () => {} };
    },
    health: () => inner.health(),
    close: () => inner.close(),
  };
  return { transport, deliver: (messages) => sink?.(messages) };
}

function message(n: number, key: string, signal: AbortSignal, settled: string[]): InboundMessage {
  const wire = toWire(
    {
      id: `id-${n}`,
      type: 't',
      source: 's',
      specversion: '1.0',
      time: '',
      datacontenttype: 'application/json',
      key,
      headers: {},
      data: { n },
    },
    jsonCodec,
    'ce_',
  );
  return {
    topic: 'rev',
    key,
    value: wire.value,
    headers: wire.headers,
    attempt: 1,
    signal,
    ack: () => settled.push(`ack ${n}`),
    nack: () => settled.push(`nack ${n}`),
  };
}

describe('revocation', () => {
  it('skips queued events of a revoked partition and aborts the running handler', async () => {
    const { transport, deliver } = handDelivery();
    const bus = createEventBus({ source: 's', transport });
    const partition = new AbortController();
    const settled: string[] = [];
    const started: number[] = [];
    let abortedSeen = false;
    await bus.subscribe(
      'rev',
      (event, ctx) => {
        const n = (event.data as { n: number }).n;
        started.push(n);
        return new Promise<void>((resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            abortedSeen = true;
            reject(new Error('revoked'));
          });
          if (n !== 1) resolve();
        });
      },
      { retry: { attempts: 3, initialDelayMs: 1 } },
    );
    // Same key: 2 and 3 wait behind 1, which runs until the partition is revoked.
    deliver([
      message(1, 'k', partition.signal, settled),
      message(2, 'k', partition.signal, settled),
      message(3, 'k', partition.signal, settled),
    ]);
    await expect.poll(() => started).toEqual([1]);
    partition.abort();
    await expect.poll(() => abortedSeen).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(started).toEqual([1]); // 2 and 3 belong to the new owner now
    expect(settled).toEqual(['nack 1']); // given back, not retried and not dead-lettered
    await bus.close();
  });
});
