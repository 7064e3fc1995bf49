import { type MemoryTransportOptions, memoryTransport } from '../../memory/memory-transport.ts';
import type { Transport } from '../../transport.ts';

/**
 * A memory transport with some of its methods replaced (`send`, `connect` …), each given the real
 * one to call: tests hold, count or refuse sends and still deliver through the in-memory broker
 * (`options.broker`: a broker shared with other buses).
 */
export function wrappedMemoryTransport(
  replace: (inner: Transport) => Partial<Transport>,
  options: MemoryTransportOptions = {},
): Transport {
  const inner = memoryTransport(options);
  return Object.assign(Object.create(inner) as Transport, {
    connect: () => inner.connect(),
    close: () => inner.close(),
    health: () => inner.health(),
    send: inner.send.bind(inner),
    consume: inner.consume.bind(inner),
    ...replace(inner),
  });
}

/** A memory transport whose sends wait until `release()`: publishes stay unconfirmed meanwhile. */
export function gatedTransport(): { transport: Transport; release: () => void } {
  const gate = Promise.withResolvers<void>();
  const transport = wrappedMemoryTransport((inner) => ({
    send: async (messages) => {
      await gate.promise;
      return inner.send(messages);
    },
  }));
  return { transport, release: () => gate.resolve() };
}
