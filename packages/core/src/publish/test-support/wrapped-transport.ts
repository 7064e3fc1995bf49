import { memoryTransport } from '../../memory/memory-transport.ts';
import type { OutboundMessage, SendOutcome, Transport } from '../../transport.ts';

type Send = (
  messages: readonly OutboundMessage[],
  onOutcome?: (index: number, outcome: SendOutcome) => void,
) => Promise<readonly SendOutcome[]>;

/**
 * A memory transport whose `send` is `send(inner)`: tests hold, count or refuse sends and still
 * deliver through the real in-memory broker.
 */
export function wrappedMemoryTransport(send: (inner: Transport) => Send): Transport {
  const inner = memoryTransport();
  return Object.assign(Object.create(inner) as Transport, {
    connect: () => inner.connect(),
    close: () => inner.close(),
    health: () => inner.health(),
    send: send(inner),
  });
}

/** A memory transport whose sends wait until `release()`: publishes stay unconfirmed meanwhile. */
export function gatedTransport(): { transport: Transport; release: () => void } {
  const gate = Promise.withResolvers<void>();
  const transport = wrappedMemoryTransport((inner) => async (messages) => {
    await gate.promise;
    return inner.send(messages);
  });
  return { transport, release: () => gate.resolve() };
}
