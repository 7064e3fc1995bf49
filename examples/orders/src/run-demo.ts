import { type Attributes, SpanStatusCode, trace } from '@opentelemetry/api';
import { type EventBus, isEventBusError } from '@switchyard/core';
import { ORDERS_TOPIC, OrderPlaced } from './events.ts';
import { Tally } from './tally.ts';

export interface DemoOptions {
  readonly orders: number;
  /** Orders whose billing always fails (they end in the dead-letter topic). */
  readonly poisonEvery: number;
  /** Share of billing attempts that fail once and succeed on retry. */
  readonly flakyRate: number;
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
}

/**
 * The order service: publishes `order.placed` keyed by order id; `billing` charges (sometimes
 * failing, to show retry and dead letter) and `shipping` ships. Resolves with the tally.
 */
export async function runDemo(bus: EventBus, options: DemoOptions): Promise<Tally> {
  const tally = new Tally();
  const run = Date.now().toString(36);
  await bus.ensureTopic({ name: ORDERS_TOPIC, partitions: 4 });
  await bus.ensureTopic({ name: `${ORDERS_TOPIC}.dlq`, partitions: 1 });

  await bus.subscribe(
    ORDERS_TOPIC,
    OrderPlaced,
    async (event, ctx) => {
      if (!event.data.orderId.startsWith(run)) return; // an earlier run's leftovers on a persistent broker
      const n = Number(event.data.orderId.split('-')[1]);
      // A span of the handler's own: a child of `process orders` in the same trace.
      await inSpan('charge card', { 'order.total': event.data.total }, async () => {
        if (options.poisonEvery > 0 && n % options.poisonEvery === 0)
          throw new Error(`card declined for ${event.data.customer}`);
        if (ctx.attempt === 1 && Math.random() < options.flakyRate) {
          tally.retried++;
          throw new Error('payment gateway timeout');
        }
      });
      tally.billed.add(event.data.orderId);
    },
    { group: 'billing', concurrency: 32, retry: { attempts: 3, initialDelayMs: 20 } },
  );

  await bus.subscribe(
    ORDERS_TOPIC,
    OrderPlaced,
    async (event) => {
      if (!event.data.orderId.startsWith(run)) return;
      tally.shipped.add(event.data.orderId);
      tally.sampleTraces.shipped ??= traceIdOf(event.headers);
    },
    { group: 'shipping', concurrency: 32 },
  );

  await bus.subscribe(
    `${ORDERS_TOPIC}.dlq`,
    async (event) => {
      if (!(event.data as { orderId?: string }).orderId?.startsWith(run)) return;
      tally.deadLettered++;
      tally.sampleTraces.deadLettered ??= traceIdOf(event.headers);
    },
    { group: 'dlq-monitor', deadLetter: false },
  );

  const progress = setInterval(() => options.log(`… ${tally.line()}`), 500);
  try {
    const sends: Promise<unknown>[] = [];
    for (let n = 1; n <= options.orders; n++) {
      const orderId = `${run}-${n}`;
      const order = OrderPlaced(
        { orderId, customer: `customer-${n % 97}`, total: (n % 50) * 10 + 9.99, items: 1 + (n % 4) },
        { key: orderId },
      );
      // Each order is placed in a span of its own (in a real service, the request's), so each order
      // is one trace: `place order` → `send orders` → `process orders` per group. (Published outside
      // any trace, the orders of one tick would share one `send` span and one trace.)
      const placed = inSpan('place order', { 'order.id': orderId }, async () => {
        await bus.publish(ORDERS_TOPIC, order);
      });
      sends.push(
        placed.then(
          () => tally.published++,
          (error: unknown) => {
            tally.publishFailed++;
            options.log(
              `publish failed: ${isEventBusError(error) ? `${error.code} ${error.message}` : String(error)}`,
            );
          },
        ),
      );
    }
    await Promise.all(sends);
    const deadline = Date.now() + options.timeoutMs;
    while (!tally.done(options.orders)) {
      if (Date.now() > deadline) {
        options.log(`gave up waiting after ${options.timeoutMs} ms (set DEMO_TIMEOUT_MS to wait longer)`);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    clearInterval(progress);
  }
  return tally;
}

/** The trace id in a W3C `traceparent` header (`00-<trace id>-<span id>-<flags>`), if any. */
function traceIdOf(headers: Readonly<Record<string, string>>): string | undefined {
  return headers.traceparent?.split('-')[1];
}

const tracer = trace.getTracer('orders-demo');

/** Runs `fn` in a span of its own (a no-op when no tracer provider is registered). */
function inSpan(name: string, attributes: Attributes, fn: () => Promise<void>): Promise<void> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      await fn();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}
