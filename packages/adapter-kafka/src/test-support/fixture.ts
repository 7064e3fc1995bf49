import { randomUUID } from 'node:crypto';
import type { EventBus } from '@switchyard/core';
import type { ConsumeRequest, InboundMessage, OutboundMessage } from '@switchyard/core/transport';
import { sleep } from '@switchyard/testkit';
import { kafka } from '../kafka.ts';
import type { KafkaTransport } from '../kafka-transport.ts';
import type { KafkaDriverName, KafkaTransportOptions } from '../options/options.ts';

/** Every driver; the integration suites run once per driver. */
export const KAFKA_DRIVERS: readonly KafkaDriverName[] = ['kafkajs', 'platformatic'];

/** Per-test fixture against a real broker: unique topics, transports and consumers that close themselves. */
export class KafkaFixture {
  readonly brokers: readonly string[];
  readonly driver: KafkaDriverName;
  readonly #transports: KafkaTransport[] = [];
  readonly #stops: Array<() => Promise<void>> = [];

  constructor(brokers: string, driver: KafkaDriverName = 'kafkajs') {
    this.brokers = brokers.split(',');
    this.driver = driver;
  }

  topic(name = 't'): string {
    return `test.kafka.${name}.${randomUUID().slice(0, 8)}`;
  }

  async transport(options: KafkaTransportOptions = {}): Promise<KafkaTransport> {
    const transport = kafka({ brokers: this.brokers, driver: this.driver, ...options });
    this.#transports.push(transport);
    await transport.connect();
    return transport;
  }

  /** Consumes and collects; `onMessage` decides what to do with each message (default: ack). */
  async collect(
    transport: KafkaTransport,
    request: Partial<ConsumeRequest> & { topic: string; group: string },
    onMessage: (m: InboundMessage) => void = (m) => m.ack(),
  ) {
    const received: InboundMessage[] = [];
    const handle = await transport.consume(
      { prefetch: 1000, startFrom: 'earliest', maxDeliveries: 5, ackTimeoutMs: 30_000, ...request },
      (messages) => {
        for (const m of messages) {
          received.push(m);
          onMessage(m);
        }
      },
    );
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await handle.stop();
    };
    this.#stops.push(stop);
    return { received, handle, stop };
  }

  async cleanup(): Promise<void> {
    for (const stop of this.#stops.splice(0)) await stop().catch(() => undefined);
    await Promise.allSettled(this.#transports.splice(0).map((t) => t.close()));
  }
}

export function event(topic: string, n: number, key: string | undefined = `k${n % 4}`): OutboundMessage {
  const id = randomUUID();
  return {
    topic,
    key,
    value: Buffer.from(JSON.stringify({ n })),
    headers: {
      ce_id: id,
      ce_type: 'item',
      ce_source: 'test',
      ce_specversion: '1.0',
      'content-type': 'application/json',
    },
    id,
  };
}

export const payloadOf = (m: InboundMessage): { n: number } =>
  JSON.parse(Buffer.from(m.value).toString('utf8'));

export { sleep, waitFor } from '@switchyard/testkit';

/**
 * Publishes `{ n }` for n = 1…count, each retried every 250 ms for up to 20 s: a broker just thawed
 * or restarted may refuse writes for a moment, as it would a user's.
 */
export async function publishEachWhenAccepted(
  bus: Pick<EventBus, 'publish'>,
  topic: string,
  count: number,
): Promise<void> {
  for (let n = 1; n <= count; n++) {
    const deadline = Date.now() + 20_000;
    while (
      !(await bus.publish(topic, { type: 'item', data: { n } }).then(
        () => true,
        () => false,
      ))
    ) {
      if (Date.now() > deadline) throw new Error(`event ${n} was not accepted within 20 s`);
      await sleep(250);
    }
  }
}
