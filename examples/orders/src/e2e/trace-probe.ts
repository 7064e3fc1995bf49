// One side of the Jaeger end-to-end test, run as its own process: `node --conditions=@switchyard/source trace-probe.ts ROLE`.
//   producer  publishes one order inside a root span `place order`, prints its trace id
//   consumer  subscribes, handles that order inside `charge card`, prints what it saw, exits
//   both      does both in one process (the memory transport cannot cross processes), plus a
//             publishBatch whose `send` span links to each event's `create` span
// Settings come from the environment: SWITCHYARD_TRANSPORT and its broker settings,
// OTEL_EXPORTER_OTLP_ENDPOINT, PROBE_TOPIC, PROBE_ORDER_ID, PROBE_SERVICE. Each step prints one
// JSON line on stdout for the test to read.
import 'reflect-metadata';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { type EventBus, isEventBusError, type PublishReceipt } from '@switchyard/core';
import { registerEventBus } from '@switchyard/core/di';
import { container } from 'tsyringe';
import { OrderPlaced } from '../events.ts';
import { startTelemetry } from '../telemetry.ts';

const env = process.env;
const role = process.argv[2];
const topic = required('PROBE_TOPIC');
const orderId = required('PROBE_ORDER_ID');
const telemetry = startTelemetry(env.PROBE_SERVICE ?? `orders-e2e-${role}`, env);
if (telemetry === undefined) fail('OTEL_EXPORTER_OTLP_ENDPOINT is not set');
const tracer = trace.getTracer('orders-e2e');

function required(name: string): string {
  const value = env[name];
  if (value === undefined || value === '') fail(`${name} is not set`);
  return value;
}

function say(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function fail(message: string): never {
  say({ event: 'error', message });
  process.exit(2);
}

async function newBus(): Promise<EventBus> {
  const bus = await registerEventBus(container.createChildContainer(), {
    source: `orders-e2e-${role}`,
    onError: (error) => say({ event: 'bus-error', message: error.message }),
  });
  await bus.ensureTopic({ name: topic, partitions: 2 });
  return bus;
}

/** Subscribes as group `billing-e2e`; resolves once the order arrived and was handled. */
async function consume(bus: EventBus): Promise<{ handled: Promise<void> }> {
  const { promise: handled, resolve } = Promise.withResolvers<void>();
  await retrying(() =>
    bus.subscribe(
      topic,
      OrderPlaced,
      async (event, ctx) => {
        if (event.data.orderId !== orderId) return;
        await tracer.startActiveSpan('charge card', async (span) => {
          span.setAttribute('order.id', event.data.orderId);
          span.end();
        });
        say({
          event: 'handled',
          id: event.id,
          traceparent: event.headers.traceparent,
          processSpanId: ctx.span?.spanContext().spanId,
        });
        resolve();
      },
      { group: 'billing-e2e' },
    ),
  );
  say({ event: 'ready' });
  return { handled };
}

/**
 * What a service does at startup: try again while the broker says a retry can help (a Kafka
 * broker that has just started answers GROUP_LOAD_IN_PROGRESS for a while).
 */
async function retrying<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isEventBusError(error) || !error.retriable || tries >= 10) throw error;
      say({ event: 'retry', message: error.message });
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

/** Publishes the order inside a root span; returns its trace id and the receipt. */
async function produce(bus: EventBus, batch: boolean): Promise<{ traceId: string; receipt: PublishReceipt }> {
  return tracer.startActiveSpan('place order', async (root) => {
    try {
      const receipt = await bus.publish(
        topic,
        OrderPlaced({ orderId, customer: 'customer-1', total: 42.5, items: 2 }, { key: orderId }),
      );
      if (batch) {
        await bus.publishBatch(topic, [
          OrderPlaced({ orderId: `${orderId}-b1`, customer: 'c', total: 1, items: 1 }, { key: 'b1' }),
          OrderPlaced({ orderId: `${orderId}-b2`, customer: 'c', total: 2, items: 1 }, { key: 'b2' }),
        ]);
      }
      return { traceId: root.spanContext().traceId, receipt };
    } catch (error) {
      root.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      throw error;
    } finally {
      root.end();
    }
  });
}

async function main(): Promise<void> {
  const bus = await newBus();
  try {
    if (role === 'consumer') {
      const { handled } = await consume(bus);
      await handled;
      say({ event: 'health', report: await bus.health() });
    } else if (role === 'producer') {
      say({ event: 'published', ...(await produce(bus, false)) });
    } else if (role === 'both') {
      const { handled } = await consume(bus);
      say({ event: 'published', ...(await produce(bus, true)) });
      await handled;
    } else {
      fail(`unknown role ${JSON.stringify(role)}: use producer, consumer or both`);
    }
  } finally {
    await bus.close({ drainTimeoutMs: 5_000 });
    await telemetry?.shutdown(); // exports what the batching processor still holds
  }
  say({ event: 'done' });
}

main().catch((error: unknown) =>
  fail(error instanceof Error ? (error.stack ?? error.message) : String(error)),
);
