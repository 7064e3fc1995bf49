import { describe, expect, it } from 'vitest';
import { jsonCodec } from '../codec.ts';
import { createEventBus } from '../event-bus.ts';
import { MemoryBroker } from '../memory/memory-broker.ts';
import { memoryTransport } from '../memory/memory-transport.ts';
import type { ConsumerIntake, InboundMessage, Transport } from '../transport.ts';
import { toWire } from '../wire.ts';

/** The memory transport, except that the test hands events to the subscription itself (as a broker would after a rebalance). */
function handDelivery(): {
  transport: Transport;
  deliver: (messages: InboundMessage[]) => void;
  intake: () => ConsumerIntake;
} {
  const inner = memoryTransport({ broker: new MemoryBroker() });
  let sink: ((messages: readonly InboundMessage[]) => void) | undefined;
  let given: ConsumerIntake | undefined;
  const transport: Transport = {
    name: 'memory',
    capabilities: inner.capabilities,
    connect: () => inner.connect(),
    send: (messages) => inner.send(messages),
    consume: async (_request, onMessages, intake) => {
      sink = onMessages;
      given = intake;
      return { pause() {}, resume() {}, stop: async () => {} };
    },
    health: () => inner.health(),
    close: () => inner.close(),
  };
  return { transport, deliver: (messages) => sink?.(messages), intake: () => given! };
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

  it('starts no handler while the transport holds the intake, then skips what was revoked meanwhile', async () => {
    const { transport, deliver, intake } = handDelivery();
    const bus = createEventBus({ source: 's', transport });
    const [moving, staying] = [new AbortController(), new AbortController()];
    const settled: string[] = [];
    const started: number[] = [];
    let finishFirst: (() => void) | undefined;
    await bus.subscribe('rev', (event) => {
      const n = (event.data as { n: number }).n;
      started.push(n);
      if (n === 1) return new Promise<void>((resolve) => (finishFirst = resolve));
      return undefined;
    });
    deliver([message(1, 'a', staying.signal, settled)]);
    await expect.poll(() => started).toEqual([1]);
    // The group starts to rebalance: 1 keeps running, nothing else starts.
    intake().hold();
    deliver([
      message(2, 'b', moving.signal, settled),
      message(3, 'c', staying.signal, settled),
      message(4, 'a', staying.signal, settled),
    ]);
    finishFirst?.();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(started).toEqual([1]);
    expect(settled).toEqual(['ack 1']);
    // The new assignment: the partition of 2 went to another member, the others stay here.
    moving.abort();
    intake().release();
    await expect.poll(() => started).toEqual([1, 3, 4]);
    await expect.poll(() => settled).toEqual(['ack 1', 'ack 3', 'ack 4']);
    await bus.close();
  });

  it('says when the handlers running at a hold have ended and acked, though held events wait', async () => {
    const { transport, deliver, intake } = handDelivery();
    const bus = createEventBus({ source: 's', transport });
    const partition = new AbortController();
    const settled: string[] = [];
    let finishFirst: (() => void) | undefined;
    await bus.subscribe('rev', (event) => {
      if ((event.data as { n: number }).n === 1)
        return new Promise<void>((resolve) => (finishFirst = resolve));
      return undefined;
    });
    deliver([message(1, 'a', partition.signal, settled)]);
    await expect.poll(() => finishFirst).toBeDefined();
    intake().hold();
    deliver([message(2, 'b', partition.signal, settled)]); // held: it does not keep idle() waiting
    let idle = false;
    void intake()
      .idle()
      .then(() => (idle = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(idle).toBe(false);
    finishFirst?.();
    await expect.poll(() => idle).toBe(true);
    expect(settled).toEqual(['ack 1']); // acked before idle() resolved: a commit then includes it
    intake().release();
    await expect.poll(() => settled).toEqual(['ack 1', 'ack 2']);
    await bus.close();
  });

  it('hands held events back when the subscription closes during a hold', async () => {
    const { transport, deliver, intake } = handDelivery();
    const bus = createEventBus({ source: 's', transport });
    const partition = new AbortController();
    const settled: string[] = [];
    const started: number[] = [];
    await bus.subscribe('rev', (event) => void started.push((event.data as { n: number }).n));
    intake().hold();
    deliver([message(1, 'a', partition.signal, settled), message(2, 'b', partition.signal, settled)]);
    await bus.close();
    expect(started).toEqual([]);
    expect(settled.sort()).toEqual(['nack 1', 'nack 2']);
  });
});
