// Transports for the observability tests: the memory transport under another name, with receipts
// shaped like Kafka's or NATS's, failing sends, or a health report that never answers.
import { EventBusError } from '../errors.ts';
import { MemoryBroker } from '../memory/memory-broker.ts';
import { memoryTransport } from '../memory/memory-transport.ts';
import type { ConsumerHandle, SendOutcome, Transport, TransportHealth } from '../transport.ts';

export interface FakeTransportOptions {
  /** `messaging.system` to report. @default 'memory' */
  readonly name?: string;
  /** Receipts carry a stream sequence instead of partition/offset (NATS). */
  readonly sequences?: boolean;
  /** Every send fails with this error code. */
  readonly failSends?: 'PUBLISH_FAILED' | 'TIMEOUT';
  /** Sends never settle: events stay in the publish buffer. */
  readonly stallSends?: boolean;
  /** `connect()` waits until this promise settles. */
  readonly connectGate?: Promise<void>;
  /** The transport's health() never settles. */
  readonly stallHealth?: boolean;
  /** Each consumer handle's lag() never settles. */
  readonly stallLag?: boolean;
  /** Connection state to report instead of the memory transport's. */
  readonly state?: () => TransportHealth['state'] | undefined;
}

export function fakeTransport(options: FakeTransportOptions = {}): Transport {
  const inner = memoryTransport({ broker: new MemoryBroker() });
  let sequence = 0;
  return {
    name: options.name ?? 'memory',
    capabilities: inner.capabilities,
    connect: () => (options.connectGate ?? Promise.resolve()).then(() => inner.connect()),
    async send(messages): Promise<readonly SendOutcome[]> {
      if (options.stallSends) return new Promise(() => {});
      if (options.failSends !== undefined) {
        const error = new EventBusError(options.failSends, 'the broker said no', { retriable: true });
        return messages.map(() => ({ ok: false as const, error }));
      }
      const outcomes = await inner.send(messages);
      if (!options.sequences) return outcomes;
      return outcomes.map((o) =>
        o.ok ? { ok: true as const, receipt: { stream: 'S', sequence: ++sequence } } : o,
      );
    },
    async consume(request, onMessages): Promise<ConsumerHandle> {
      const handle = await inner.consume(request, (messages) =>
        onMessages(
          options.sequences
            ? messages.map((m) => ({
                topic: m.topic,
                key: m.key,
                value: m.value,
                headers: m.headers,
                attempt: m.attempt,
                sequence: Number(m.offset) + 1,
                ack: () => m.ack(),
                nack: (o) => m.nack(o),
              }))
            : messages,
        ),
      );
      if (!options.stallLag) return handle;
      return { ...handle, lag: () => new Promise(() => {}) };
    },
    health(): TransportHealth | Promise<TransportHealth> {
      if (options.stallHealth) return new Promise(() => {});
      const health = inner.health() as TransportHealth;
      const state = options.state?.();
      return state === undefined ? health : { ...health, state };
    },
    close: () => inner.close(),
  };
}
