import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { Transport } from '@switchyard/core';
import type { InboundMessage, OutboundMessage } from '@switchyard/core/transport';
import { streamNameFor } from '../names.ts';
import { nats } from '../nats.ts';
import type { NatsTransportOptions } from '../options.ts';

export const quiet = { warn: () => {}, error: () => {} };

/** Per-test fixture: unique topics, transports that close themselves, streams deleted afterwards. */
export class NatsFixture {
  readonly url: string;
  readonly #transports: Transport[] = [];
  readonly #topics: string[] = [];
  readonly #stops: Array<() => Promise<void>> = [];

  constructor(url: string) {
    this.url = url;
  }

  topic(name = 't'): string {
    const topic = `test.${name}.${randomUUID().slice(0, 8)}`;
    this.#topics.push(topic, `${topic}.dlq`);
    return topic;
  }

  async transport(options: NatsTransportOptions = {}): Promise<Transport> {
    const transport = nats({ servers: this.url, logger: quiet, ...options });
    this.#transports.push(transport);
    await transport.connect();
    return transport;
  }

  /** Starts consuming and collects what arrives; `ack` decides whether each message is acked at once. */
  async collect(
    transport: Transport,
    request: {
      topic: string;
      group: string;
      prefetch?: number;
      startFrom?: 'earliest' | 'latest';
      maxDeliveries?: number;
      ackTimeoutMs?: number;
    },
    ack = true,
  ) {
    const received: InboundMessage[] = [];
    const handle = await transport.consume(
      { prefetch: 100, startFrom: 'earliest', maxDeliveries: 5, ackTimeoutMs: 30_000, ...request },
      (messages) => {
        for (const message of messages) {
          received.push(message);
          if (ack) message.ack();
        }
      },
    );
    this.#stops.push(() => handle.stop());
    return { received, handle };
  }

  async cleanup(): Promise<void> {
    for (const stop of this.#stops.splice(0)) await stop().catch(() => undefined);
    await Promise.allSettled(this.#transports.splice(0).map((t) => t.close()));
    const nc = await connect({ servers: this.url });
    const jsm = await jetstreamManager(nc);
    for (const topic of this.#topics.splice(0))
      await jsm.streams.delete(streamNameFor(topic)).catch(() => undefined);
    await nc.close();
  }
}

export function message(topic: string, n: number, overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  const id = randomUUID();
  return {
    topic,
    key: `k${n % 4}`,
    value: Buffer.from(JSON.stringify({ n })),
    headers: {
      'ce-id': id,
      'ce-type': 'item',
      'ce-source': 'test',
      'ce-specversion': '1.0',
      'ce-partitionkey': `k${n % 4}`,
    },
    id,
    ...overrides,
  };
}

export { sleep, waitFor } from '@switchyard/testkit';
