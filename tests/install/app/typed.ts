// The public API as a strict TypeScript application uses it; type-checked only (`tsc --noEmit`),
// once with module/moduleResolution nodenext and once with esnext/bundler. Public specifiers only.
import { type KafkaTransport, kafka } from '@switchyard/adapter-kafka';
import { encoderPatch } from '@switchyard/adapter-kafka/kafkajs';
import { KAFKA_PRESETS } from '@switchyard/adapter-kafka/presets';
import { type NatsTransport, nats } from '@switchyard/adapter-nats';
import {
  createEventBus,
  DLQ_HEADERS,
  defineEvent,
  type EventBus,
  type EventEnvelope,
  type HandlerContext,
  isEventBusError,
  memoryTransport,
  type PublishReceipt,
  type Transport,
} from '@switchyard/core';
import { EVENT_BUS, registerEventBus } from '@switchyard/core/di';
import { type ConformanceOptions, runConformance } from '@switchyard/testkit';
import { container } from 'tsyringe';
import { z } from 'zod';

const OrderPlaced = defineEvent('order.placed', z.object({ orderId: z.string(), total: z.number() }));

export async function main(): Promise<void> {
  const transport: KafkaTransport = kafka({ brokers: ['127.0.0.1:9092'], preset: 'durable' });
  // The names every adapter shares: connectTimeoutMs, tls (core's TlsOptions), logger + logLevel.
  const secured: KafkaTransport = kafka({
    brokers: ['kafka.internal:9096'],
    connectTimeoutMs: 10_000,
    tls: { caFile: '/etc/ssl/kafka-ca.pem', servername: 'kafka.internal' },
    sasl: { mechanism: 'scram-sha-512', username: 'orders', password: 'from-a-vault' },
    logger: console,
    logLevel: 'info',
  });
  // @ts-expect-error renamed to `tls`
  kafka({ ssl: true });
  // @ts-expect-error renamed to `connectTimeoutMs`
  kafka({ connectionTimeoutMs: 1000 });
  const natsTransport: NatsTransport = nats({ servers: 'nats://127.0.0.1:4222' });
  const asPort: Transport = natsTransport;
  console.log(secured.name, asPort.name);
  const bus: EventBus = createEventBus({ source: 'orders-svc', transport });

  const receipt: PublishReceipt = await bus.publish(
    'orders',
    OrderPlaced({ orderId: 'o-1', total: 42 }, { key: 'o-1' }),
  );
  const id: string = receipt.id;

  await bus.subscribe(
    'orders',
    OrderPlaced,
    async (event: EventEnvelope<{ orderId: string; total: number }>, ctx: HandlerContext) => {
      const total: number = event.data.total;
      const attempt: number = ctx.attempt;
      // @ts-expect-error data is typed by the schema: there is no `customer`
      console.log(total, attempt, ctx.signal.aborted, event.data.customer);
    },
    { group: 'billing', concurrency: 32, retry: { attempts: 5 }, deadLetter: true },
  );
  await bus.subscribe('orders.dlq', async (event) => {
    const reason: string | undefined = event.headers[DLQ_HEADERS.reason];
    console.log(reason);
  });

  // @ts-expect-error total must be a number
  OrderPlaced({ orderId: 'o-2', total: '42' });

  try {
    await bus.publish('orders', OrderPlaced({ orderId: 'o-3', total: 1 }));
  } catch (error) {
    if (isEventBusError(error)) {
      const retriable: boolean = error.retriable;
      console.log(retriable, error.code);
    }
  }

  const memoryBus = createEventBus({ source: 'tests', transport: memoryTransport() });
  const fromContainer = await registerEventBus(container, { source: 'orders-svc', transport: natsTransport });
  const resolved: EventBus = container.resolve(EVENT_BUS);
  console.log(id, resolved.source, fromContainer.source, KAFKA_PRESETS.durable);
  const patch: 'full' | 'varint-only' | 'skipped' = encoderPatch;
  console.log(patch);
  await memoryBus.close();
  await bus.close();
}

export const conformance: ConformanceOptions = { name: 'memory', createTransport: () => memoryTransport() };
export const register: (options: ConformanceOptions) => void = runConformance;

// Paths outside `exports` are not importable, for the type checker either.
// @ts-expect-error not exported
export const deep = () => import('@switchyard/core/dist/event-bus.js');
