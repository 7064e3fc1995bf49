import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  ParentBasedSampler,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../envelope.ts';
import type { EventBus } from '../types.ts';
import { useRecordedSpans } from './test-tracing.ts';
import { fakeTransport } from './test-transports.ts';

const { provider, newBus, spans } = useRecordedSpans();
const traceparentOf = (span: ReadableSpan) =>
  `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`;

/** Publishes `count` events in one tick, outside any trace. */
function publishMany(bus: EventBus, count: number) {
  return Promise.all(
    Array.from({ length: count }, (_, n) =>
      bus.publish('orders', { type: 'order.placed', data: { n }, key: `o-${n % 3}` }),
    ),
  );
}

async function collect(bus: EventBus, count: number): Promise<EventEnvelope[]> {
  const seen: EventEnvelope[] = [];
  const { promise, resolve } = Promise.withResolvers<void>();
  await bus.subscribe(
    'orders',
    (event) => {
      seen.push(event);
      if (seen.length === count) resolve();
    },
    { group: 'billing' },
  );
  return promise.then(() => seen);
}

describe('events published outside any trace share their send’s span', () => {
  it('one `send <topic>` PRODUCER span per send, with the batch size, parent of every `process` span', async () => {
    const bus = newBus();
    const consumed = collect(bus, 5);
    const receipts = await publishMany(bus, 5);
    const seen = await consumed;
    await expect.poll(() => spans('process orders').length).toBe(5);
    const sends = spans('send orders');
    expect(sends).toHaveLength(1);
    const send = sends[0]!;
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(send.parentSpanContext).toBeUndefined();
    expect(send.attributes).toMatchObject({
      'messaging.system': 'memory',
      'messaging.destination.name': 'orders',
      'messaging.operation.type': 'send',
      'messaging.batch.message_count': 5,
    });
    // Per-event attributes belong to the `process` spans, not to a span that covers five events.
    expect(send.attributes['messaging.message.id']).toBeUndefined();
    for (const event of seen) expect(event.headers.traceparent).toBe(traceparentOf(send));
    const processed = spans('process orders');
    expect(new Set(processed.map((p) => p.parentSpanContext?.spanId))).toEqual(
      new Set([send.spanContext().spanId]),
    );
    expect(new Set(processed.map((p) => p.attributes['messaging.message.id']))).toEqual(
      new Set(receipts.map((r) => r.id)),
    );
  });

  it('a send of one event gets the per-event span: message id, key and where the broker put it', async () => {
    const bus = newBus();
    const receipt = await bus.publish('orders', { type: 'order.placed', data: {}, key: 'o-1' });
    const [send] = spans('send orders');
    expect(send!.attributes['messaging.batch.message_count']).toBeUndefined();
    expect(send!.attributes).toMatchObject({
      'messaging.message.id': receipt.id,
      'switchyard.message.key': 'o-1',
      'switchyard.message.offset': receipt.offset,
    });
  });

  it('each topic of a send has its own span', async () => {
    const bus = newBus();
    await Promise.all([
      bus.publish('orders', { type: 'order.placed', data: {} }),
      bus.publish('orders', { type: 'order.placed', data: {} }),
      bus.publish('invoices', { type: 'invoice.sent', data: {} }),
    ]);
    expect(spans('send orders')).toHaveLength(1);
    expect(spans('send orders')[0]!.attributes['messaging.batch.message_count']).toBe(2);
    expect(spans('send invoices')).toHaveLength(1);
  });

  it("`rootSpans: 'per-event'` starts a trace per event", async () => {
    const bus = newBus(undefined, { rootSpans: 'per-event' });
    await publishMany(bus, 3);
    const sends = spans('send orders');
    expect(sends).toHaveLength(3);
    expect(new Set(sends.map((s) => s.spanContext().traceId)).size).toBe(3);
  });

  it('publishes inside a span, or with baggage, keep a span each', async () => {
    const bus = newBus();
    const request = trace.getTracer('test').startSpan('POST /orders');
    await context.with(trace.setSpan(context.active(), request), () => publishMany(bus, 2));
    request.end();
    const baggage = propagation.createBaggage({ tenant: { value: 't-1' } });
    await context.with(propagation.setBaggage(context.active(), baggage), () => publishMany(bus, 2));
    const sends = spans('send orders');
    expect(sends).toHaveLength(4);
    expect(sends.slice(0, 2).every((s) => s.parentSpanContext?.spanId === request.spanContext().spanId)).toBe(
      true,
    );
    expect(sends.every((s) => s.attributes['messaging.batch.message_count'] === undefined)).toBe(true);
  });

  it('a failed send marks the shared span with the error and how many events failed', async () => {
    const bus = newBus(fakeTransport({ failSends: 'PUBLISH_FAILED' }));
    const results = await Promise.allSettled([
      bus.publish('orders', { type: 'order.placed', data: {} }),
      bus.publish('orders', { type: 'order.placed', data: {} }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    const [send] = spans('send orders');
    expect(send!.status.code).toBe(SpanStatusCode.ERROR);
    expect(send!.attributes).toMatchObject({
      'error.type': 'PUBLISH_FAILED',
      'switchyard.batch.failed_count': 2,
    });
  });
});

describe('handler context', () => {
  const unsampled = new BasicTracerProvider({
    sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }),
  });

  it('each handler runs in its own producer’s trace, also when events of several traces interleave', async () => {
    const bus = newBus();
    const seen: Array<{ header: string | undefined; active: string | undefined }> = [];
    const { promise, resolve } = Promise.withResolvers<void>();
    await bus.subscribe(
      'orders',
      async (event) => {
        await new Promise((r) => setTimeout(r, 1));
        seen.push({
          header: event.headers.traceparent?.split('-')[1],
          active: trace.getSpanContext(context.active())?.traceId,
        });
        if (seen.length === 9) resolve();
      },
      { group: 'billing', concurrency: 4 },
    );
    // Three sends outside any trace (three shared spans) and three events inside request spans.
    const tracer = trace.getTracer('test');
    for (let round = 0; round < 3; round++) {
      await publishMany(bus, 2);
      const request = tracer.startSpan(`request ${round}`);
      await context.with(trace.setSpan(context.active(), request), () =>
        bus.publish('orders', { type: 'order.placed', data: {}, key: 'o-9' }),
      );
      request.end();
    }
    await promise;
    expect(seen.every((s) => s.header !== undefined && s.active === s.header)).toBe(true);
    expect(new Set(seen.map((s) => s.header)).size).toBe(6);
  });

  it('unsampled traces: a handler runs in its producer’s (unsampled) trace, not a neighbour’s', async () => {
    trace.disable();
    trace.setGlobalTracerProvider(unsampled);
    try {
      const bus = newBus();
      const seen: Array<{ header: string | undefined; active: string | undefined }> = [];
      const { promise, resolve } = Promise.withResolvers<void>();
      await bus.subscribe(
        'orders',
        (event) => {
          seen.push({
            header: event.headers.traceparent?.split('-')[1],
            active: trace.getSpanContext(context.active())?.traceId,
          });
          if (seen.length === 6) resolve();
        },
        { group: 'billing' },
      );
      for (let round = 0; round < 3; round++) await publishMany(bus, 2);
      await promise;
      expect(seen.every((s) => s.header !== undefined && s.active === s.header)).toBe(true);
      expect(new Set(seen.map((s) => s.header)).size).toBe(3);
      expect(seen.every((s) => s.header !== undefined)).toBe(true);
    } finally {
      trace.disable();
      trace.setGlobalTracerProvider(provider);
    }
  });
});
