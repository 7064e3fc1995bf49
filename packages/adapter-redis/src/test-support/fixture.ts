import { randomUUID } from 'node:crypto';
import type { InboundMessage, OutboundMessage, Transport } from '@switchyard/core';
import { Redis } from 'ioredis';
import type { RedisTransportOptions } from '../options.ts';
import { redis } from '../redis.ts';
import type { RedisTransport } from '../redis-transport.ts';

export const quiet = { warn: () => {}, error: () => {} };

/** Per-test fixture: unique topics, transports that close themselves, streams deleted afterwards. */
export class RedisFixture {
  readonly url: string;
  readonly #transports: Transport[] = [];
  readonly #topics: string[] = [];
  readonly #stops: Array<() => Promise<void>> = [];
  #admin: Redis | undefined;

  constructor(url: string) {
    this.url = url;
  }

  topic(name = 't'): string {
    const topic = `test.${name}.${randomUUID().slice(0, 8)}`;
    this.#topics.push(topic, `${topic}.dlq`);
    return topic;
  }

  /** A plain ioredis client on the same server, for what a test does below the transport. */
  get admin(): Redis {
    this.#admin ??= new Redis(this.url);
    return this.#admin;
  }

  async transport(options: RedisTransportOptions = {}): Promise<RedisTransport> {
    const transport = redis({ url: this.url, logger: quiet, ...options });
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
      ackTimeoutMs?: number;
    },
    ack = true,
  ) {
    const received: InboundMessage[] = [];
    const handle = await transport.consume(
      {
        prefetch: 100,
        startFrom: 'earliest',
        maxDeliveries: Number.POSITIVE_INFINITY,
        ackTimeoutMs: 30_000,
        ...request,
      },
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
    const topics = this.#topics.splice(0);
    if (topics.length > 0) await this.admin.del(...topics, ...topics.map((t) => `${t}:switchyard`));
    this.#admin?.disconnect();
    this.#admin = undefined;
  }
}

export function message(topic: string, n: number, overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  const id = randomUUID();
  return {
    topic,
    key: `k${n % 4}`,
    value: Buffer.from(JSON.stringify({ n })),
    headers: {
      ce_id: id,
      ce_type: 'item',
      ce_source: 'test',
      ce_specversion: '1.0',
      ce_partitionkey: `k${n % 4}`,
    },
    id,
    ...overrides,
  };
}

export { sleep, waitFor } from '@switchyard/testkit';
