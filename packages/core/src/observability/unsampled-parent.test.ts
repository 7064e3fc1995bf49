import {
  type Attributes,
  type Context,
  context,
  type Link,
  type SpanContext,
  type SpanKind,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  ParentBasedSampler,
  type Sampler,
  type SamplingResult,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../envelope.ts';
import { isEventBusError } from '../errors.ts';
import { createEventBus } from '../event-bus.ts';
import type { TracingOptions } from '../options.ts';
import type { EventBus, HandlerContext } from '../types.ts';
import { useTracerProvider } from './test-tracing.ts';
import { fakeTransport } from './test-transports.ts';

/** Delegates to `current` and remembers, per span name, the parent each decision was asked about. */
class RecordingSampler implements Sampler {
  current: Sampler = new ParentBasedSampler({ root: new AlwaysOffSampler() });
  readonly asked: Array<{ name: string; parent: SpanContext | undefined }> = [];
  shouldSample(
    ctx: Context,
    traceId: string,
    name: string,
    kind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    this.asked.push({ name, parent: trace.getSpanContext(ctx) });
    return this.current.shouldSample(ctx, traceId, name, kind, attributes, links);
  }
  toString(): string {
    return 'RecordingSampler';
  }
}

const sampler = new RecordingSampler();
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor(exporter)] });

useTracerProvider(provider);

const buses: EventBus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.close({ drainTimeoutMs: 1_000 })));
  exporter.reset();
  sampler.asked.length = 0;
});

function newBus(tracing: boolean | TracingOptions): EventBus {
  const bus = createEventBus({
    source: 'orders-svc',
    transport: fakeTransport(),
    tracing,
    onError: () => {},
  });
  buses.push(bus);
  return bus;
}

const asked = (name: string) => sampler.asked.filter((a) => a.name === name);
const traceIdOf = (traceparent: string | undefined) => traceparent?.split('-')[1];
const flagsOf = (traceparent: string | undefined) => traceparent?.split('-')[3];

/** orders → handler publishes to shipments → handler; returns what both handlers saw. */
async function relay(bus: EventBus) {
  const shipped: Array<{ event: EventEnvelope; ctx: HandlerContext }> = [];
  let orderCtx: HandlerContext | undefined;
  await bus.subscribe('shipments', (event, ctx) => {
    shipped.push({ event, ctx });
  });
  await bus.subscribe('orders', async (event, ctx) => {
    orderCtx = ctx;
    await bus.publish('shipments', { type: 'shipment.requested', data: { order: event.id } });
  });
  const order = await bus.publish('orders', { type: 'order.placed', data: {} });
  await expect.poll(() => shipped.length).toBe(1);
  return { order, orderCtx: orderCtx!, shipment: shipped[0]! };
}

describe('an event whose producer trace is not sampled', () => {
  it('by default is followed without asking the sampler: no process span, and what the handler publishes stays in the same unsampled trace', async () => {
    sampler.current = new ParentBasedSampler({ root: new AlwaysOffSampler() });
    const bus = newBus(true);
    const { orderCtx, shipment } = await relay(bus);

    const traceparent = shipment.event.headers.traceparent;
    expect(flagsOf(traceparent)).toBe('00');
    const producer = asked('send orders');
    expect(producer).toHaveLength(1);
    // the order handler ran in the producer's trace, in a span that records nothing
    const inHandler = orderCtx.span!.spanContext();
    expect(orderCtx.span!.isRecording()).toBe(false);
    expect(inHandler.traceFlags & TraceFlags.SAMPLED).toBe(0);
    expect(traceIdOf(traceparent)).toBe(inHandler.traceId);
    // the SDK was asked neither about `process` nor about the handler's own publish: that
    // publish carries the handler's unsampled context as it is (same trace, flags 00)
    expect(asked('process orders')).toEqual([]);
    expect(asked('process shipments')).toEqual([]);
    expect(asked('send shipments')).toEqual([]);
    expect(traceparent?.split('-')[2]).toBe(inHandler.spanId);
    expect(shipment.ctx.span!.spanContext().traceId).toBe(inHandler.traceId);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('with `unsampledParent: "sampler"` asks the SDK, so a sampler that records under unsampled parents gets its process span', async () => {
    sampler.current = new ParentBasedSampler({
      root: new AlwaysOffSampler(),
      remoteParentNotSampled: new AlwaysOnSampler(),
    });
    const bus = newBus({ unsampledParent: 'sampler' });
    const { order, orderCtx } = await relay(bus);

    expect(asked('process orders')).toHaveLength(1);
    expect(asked('process orders')[0]!.parent).toMatchObject({ isRemote: true, traceFlags: 0 });
    // the handler's publish is asked about too, under the (now recording) process span
    expect(asked('send shipments')).toHaveLength(1);
    await expect
      .poll(() => exporter.getFinishedSpans().filter((s) => s.name === 'process orders'))
      .toHaveLength(1);
    const process = exporter.getFinishedSpans().find((s) => s.name === 'process orders')!;
    expect(process.spanContext().spanId).toBe(orderCtx.span!.spanContext().spanId);
    expect(process.parentSpanContext?.isRemote).toBe(true);
    expect(process.attributes).toMatchObject({
      'messaging.system': 'memory',
      'messaging.destination.name': 'orders',
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': 'orders-svc',
      'messaging.message.id': order.id,
    });
  });

  it('a publish inside an unsampled local span is followed too: no send span, the same trace in the headers', async () => {
    sampler.current = new ParentBasedSampler({ root: new AlwaysOffSampler() });
    const bus = newBus(true);
    const received: EventEnvelope[] = [];
    await bus.subscribe('audit', (event) => {
      received.push(event);
    });
    const request = provider.getTracer('app').startSpan('GET /orders');
    expect(request.isRecording()).toBe(false);
    await context.with(trace.setSpan(context.active(), request), () =>
      bus.publish('audit', { type: 'audit.logged', data: {} }),
    );
    request.end();
    await expect.poll(() => received.length).toBe(1);
    const { traceId, spanId } = request.spanContext();
    expect(received[0]!.headers.traceparent).toBe(`00-${traceId}-${spanId}-00`);
    expect(asked('send audit')).toEqual([]);
  });

  it('the default still asks the sampler when the producer trace is sampled', async () => {
    sampler.current = new ParentBasedSampler({ root: new AlwaysOnSampler() });
    const bus = newBus(true);
    await relay(bus);
    expect(asked('process orders')).toHaveLength(1);
    await expect
      .poll(() =>
        exporter
          .getFinishedSpans()
          .map((s) => s.name)
          .sort(),
      )
      .toEqual(['process orders', 'process shipments', 'send orders', 'send shipments']);
  });

  it('rejects an unknown `tracing.unsampledParent`, naming the option', () => {
    const make = () => newBus({ unsampledParent: 'always' as 'follow' });
    expect(make).toThrow(/tracing\.unsampledParent/);
    try {
      make();
    } catch (error) {
      expect(isEventBusError(error) && error.code).toBe('INVALID_CONFIG');
    }
  });
});
