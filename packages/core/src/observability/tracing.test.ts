import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../envelope.ts';
import { isEventBusError } from '../errors.ts';
import { useRecordedSpans } from './test-tracing.ts';
import { fakeTransport } from './test-transports.ts';

const { newBus, spans } = useRecordedSpans();

/** Waits until `count` finished spans are named `name` (bounded). */
async function waitForSpans(name: string, count: number, timeoutMs = 5_000): Promise<ReadableSpan[]> {
  const deadline = Date.now() + timeoutMs;
  while (spans(name).length < count) {
    if (Date.now() > deadline) {
      const seen = spans().map((s) => s.name);
      throw new Error(`expected ${count} finished "${name}" spans, have ${JSON.stringify(seen)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return spans(name);
}

function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

describe('producer and consumer spans', () => {
  it('publish makes a `send <topic>` PRODUCER span with the messaging attributes and where the broker put the event', async () => {
    const bus = newBus();
    const receipt = await bus.publish('orders', {
      type: 'order.placed',
      data: { n: 1 },
      key: 'o-1',
      correlationId: 'c-9',
    });
    const [send] = await waitForSpans('send orders', 1);
    expect(send!.kind).toBe(SpanKind.PRODUCER);
    expect(send!.attributes).toMatchObject({
      'messaging.system': 'memory',
      'messaging.destination.name': 'orders',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.message.id': receipt.id,
      'messaging.message.conversation_id': 'c-9',
      'switchyard.message.key': 'o-1',
      'messaging.destination.partition.id': '0',
      'switchyard.message.offset': receipt.offset,
    });
    expect(send!.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('the consumer span `process <topic>` is a child of the producer span, found through the traceparent header', async () => {
    const bus = newBus();
    const seen: EventEnvelope[] = [];
    await bus.subscribe(
      'orders',
      (event) => {
        seen.push(event);
      },
      { group: 'billing' },
    );
    const receipt = await bus.publish('orders', { type: 'order.placed', data: { n: 1 }, key: 'o-1' });
    const [processed] = await waitForSpans('process orders', 1);
    const [send] = spans('send orders');
    expect(seen[0]!.headers.traceparent).toBe(
      `00-${send!.spanContext().traceId}-${send!.spanContext().spanId}-01`,
    );
    expect(processed!.kind).toBe(SpanKind.CONSUMER);
    expect(processed!.spanContext().traceId).toBe(send!.spanContext().traceId);
    expect(parentOf(processed!)).toBe(send!.spanContext().spanId);
    expect(processed!.attributes).toMatchObject({
      'messaging.system': 'memory',
      'messaging.destination.name': 'orders',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.consumer.group.name': 'billing',
      'messaging.message.id': receipt.id,
      'switchyard.message.key': 'o-1',
      'messaging.destination.partition.id': '0',
      'switchyard.message.offset': receipt.offset,
      'switchyard.attempt': 1,
    });
  });

  it('the producer span continues the publisher’s active trace', async () => {
    const bus = newBus();
    const tracer = trace.getTracer('test');
    const request = tracer.startSpan('POST /orders');
    await context.with(trace.setSpan(context.active(), request), () =>
      bus.publish('orders', { type: 'order.placed', data: {} }),
    );
    request.end();
    const [send] = await waitForSpans('send orders', 1);
    expect(parentOf(send!)).toBe(request.spanContext().spanId);
  });

  it('spans the handler starts are children of `process <topic>`, and ctx.span is that span', async () => {
    const bus = newBus();
    const tracer = trace.getTracer('test');
    let ctxSpanId: string | undefined;
    await bus.subscribe('orders', async (_event, ctx) => {
      ctxSpanId = ctx.span?.spanContext().spanId;
      await new Promise((resolve) => setTimeout(resolve, 1)); // context survives an await
      tracer.startSpan('charge card').end();
    });
    await bus.publish('orders', { type: 'order.placed', data: {} });
    const [charge] = await waitForSpans('charge card', 1);
    const [processed] = await waitForSpans('process orders', 1);
    expect(parentOf(charge!)).toBe(processed!.spanContext().spanId);
    expect(ctxSpanId).toBe(processed!.spanContext().spanId);
  });

  it('names Kafka keys and offsets by the Kafka conventions', async () => {
    const bus = newBus(fakeTransport({ name: 'kafka' }));
    await bus.subscribe('orders', () => {}, { group: 'billing' });
    await bus.publish('orders', { type: 'order.placed', data: {}, key: 'o-7' });
    const [processed] = await waitForSpans('process orders', 1);
    const [send] = spans('send orders');
    for (const span of [send!, processed!]) {
      expect(span.attributes).toMatchObject({
        'messaging.system': 'kafka',
        'messaging.kafka.message.key': 'o-7',
        'switchyard.message.key': 'o-7',
        'messaging.destination.partition.id': '0',
        'messaging.kafka.offset': 0,
      });
    }
  });

  it('records a NATS stream sequence as switchyard.stream.sequence', async () => {
    const bus = newBus(fakeTransport({ name: 'nats', sequences: true }));
    await bus.subscribe('orders', () => {}, { group: 'billing' });
    await bus.publish('orders', { type: 'order.placed', data: {}, key: 'o-7' });
    const [processed] = await waitForSpans('process orders', 1);
    const [send] = spans('send orders');
    expect(send!.attributes['switchyard.stream.sequence']).toBe(1);
    expect(processed!.attributes['switchyard.stream.sequence']).toBe(1);
    expect(processed!.attributes['messaging.destination.partition.id']).toBeUndefined();
  });
});

describe('batches', () => {
  it('publishBatch makes a `create` span per event and one `send` span linked to each', async () => {
    const bus = newBus();
    const seen: EventEnvelope[] = [];
    await bus.subscribe('orders', (e) => {
      seen.push(e);
    });
    await bus.publishBatch('orders', [
      { type: 'order.placed', data: { n: 1 }, key: 'a' },
      { type: 'order.placed', data: { n: 2 }, key: 'b' },
      { type: 'order.placed', data: { n: 3 }, key: 'c' },
    ]);
    const [batch] = await waitForSpans('send orders', 1);
    const creates = await waitForSpans('create orders', 3);
    const processed = await waitForSpans('process orders', 3);
    expect(batch!.kind).toBe(SpanKind.CLIENT);
    expect(batch!.attributes).toMatchObject({
      'messaging.operation.type': 'send',
      'messaging.batch.message_count': 3,
      'messaging.destination.name': 'orders',
    });
    expect(batch!.links.map((l) => l.context.spanId).sort()).toEqual(
      creates.map((c) => c.spanContext().spanId).sort(),
    );
    for (const create of creates) {
      expect(create.kind).toBe(SpanKind.PRODUCER);
      expect(create.attributes['messaging.operation.type']).toBe('create');
    }
    // each consumer span continues its own event's create span
    const createIds = new Set(creates.map((c) => c.spanContext().spanId));
    for (const p of processed) expect(createIds.has(parentOf(p)!)).toBe(true);
    expect(new Set(processed.map(parentOf)).size).toBe(3);
  });

  it('a batch with a failed event ends its send span as an error', async () => {
    const bus = newBus(fakeTransport({ failSends: 'PUBLISH_FAILED' }));
    const error = await bus
      .publishBatch('orders', [{ type: 'order.placed', data: {} }])
      .catch((e: unknown) => e);
    expect(isEventBusError(error, 'PUBLISH_FAILED')).toBe(true);
    const [batch] = await waitForSpans('send orders', 1);
    expect(batch!.status.code).toBe(SpanStatusCode.ERROR);
    expect(batch!.attributes['error.type']).toBe('PUBLISH_FAILED');
  });
});

describe('failures, retries and dead letters', () => {
  it('a publish the broker refuses ends its span with error.type and ERROR status', async () => {
    const bus = newBus(fakeTransport({ failSends: 'TIMEOUT' }));
    await expect(bus.publish('orders', { type: 'order.placed', data: {} })).rejects.toThrow(/broker said no/);
    const [send] = await waitForSpans('send orders', 1);
    expect(send!.status.code).toBe(SpanStatusCode.ERROR);
    expect(send!.attributes['error.type']).toBe('TIMEOUT');
    expect(send!.events.map((e) => e.name)).toContain('exception');
  });

  it('retries are `retry` events on the process span; dead-lettering ends it as an error under which the dead letter is sent', async () => {
    const bus = newBus();
    let calls = 0;
    await bus.subscribe(
      'payments',
      () => {
        calls++;
        throw new TypeError('card declined');
      },
      { group: 'billing', retry: { attempts: 3, initialDelayMs: 1, jitter: 'none' } },
    );
    await bus.subscribe('payments.dlq', () => {}, { group: 'dlq-reader', deadLetter: false });
    await bus.publish('payments', { type: 'payment.requested', data: {}, key: 'p-1' });

    const [dlqProcess] = await waitForSpans('process payments.dlq', 1);
    const [processed] = spans('process payments');
    const [dlqSend] = spans('send payments.dlq');
    const [send] = spans('send payments');
    expect(calls).toBe(3);
    expect(processed!.events.filter((e) => e.name === 'retry').map((e) => e.attributes)).toEqual([
      { 'switchyard.attempt': 1, 'switchyard.retry.delay_ms': 1, 'error.type': 'TypeError' },
      { 'switchyard.attempt': 2, 'switchyard.retry.delay_ms': 2, 'error.type': 'TypeError' },
    ]);
    expect(processed!.events.find((e) => e.name === 'dead_letter')?.attributes).toEqual({
      'switchyard.dead_letter.reason': 'handler-failed',
      'error.type': 'TypeError',
    });
    expect(processed!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'card declined' });
    expect(processed!.attributes).toMatchObject({
      'error.type': 'TypeError',
      'switchyard.dead_lettered': true,
      'switchyard.dead_letter.reason': 'handler-failed',
    });
    // one trace: send → process (failed) → send to the DLQ → process on the DLQ
    expect(parentOf(processed!)).toBe(send!.spanContext().spanId);
    expect(parentOf(dlqSend!)).toBe(processed!.spanContext().spanId);
    expect(dlqSend!.attributes).toMatchObject({
      'switchyard.dead_letter': true,
      'messaging.destination.name': 'payments.dlq',
    });
    expect(parentOf(dlqProcess!)).toBe(dlqSend!.spanContext().spanId);
    expect(new Set(spans().map((s) => s.spanContext().traceId)).size).toBe(1);
  });

  it('a retry handed back to the broker records the delay, and the redelivery’s span carries the attempt', async () => {
    const bus = newBus();
    let calls = 0;
    await bus.subscribe(
      'payments',
      () => {
        if (++calls === 1) throw new Error('gateway timeout');
      },
      { retry: { attempts: 3, initialDelayMs: 5, jitter: 'none', inProcessMaxDelayMs: 0 } },
    );
    await bus.publish('payments', { type: 'payment.requested', data: {} });
    const [first, second] = await waitForSpans('process payments', 2);
    expect(first!.attributes).toMatchObject({ 'switchyard.attempt': 1, 'switchyard.redelivery_delay_ms': 5 });
    expect(first!.events.map((e) => e.name)).toEqual(['retry']);
    expect(second!.attributes['switchyard.attempt']).toBe(2);
    const [send] = spans('send payments');
    // both deliveries continue the producer span
    expect(parentOf(first!)).toBe(send!.spanContext().spanId);
    expect(parentOf(second!)).toBe(send!.spanContext().spanId);
  });

  it('a schema-invalid event ends its process span with the error, and its dead letter is sent from that span', async () => {
    const bus = newBus();
    const { defineEvent } = await import('../define-event.ts');
    const { z } = await import('zod');
    const Paid = defineEvent('payment.done', z.object({ amount: z.number() }));
    await bus.subscribe('payments', Paid, () => {}, { group: 'billing' });
    await bus.publish('payments', { type: 'payment.done', data: { amount: 'ten' } });
    const [dlqSend] = await waitForSpans('send payments.dlq', 1);
    const [send] = spans('send payments');
    const [processed] = await waitForSpans('process payments', 1);
    expect(processed!.status.message).toMatch(/does not match its schema/);
    expect(parentOf(processed!)).toBe(send!.spanContext().spanId);
    expect(parentOf(dlqSend!)).toBe(processed!.spanContext().spanId);
  });
});

describe('turning tracing off', () => {
  it('`tracing: false` starts no span and writes no traceparent, even with a tracer registered', async () => {
    const bus = newBus(fakeTransport(), false);
    const seen: EventEnvelope[] = [];
    const spansInHandler: unknown[] = [];
    await bus.subscribe('orders', (event, ctx) => {
      seen.push(event);
      spansInHandler.push(ctx.span);
    });
    await bus.publish('orders', { type: 'order.placed', data: {} });
    await expect.poll(() => seen.length).toBe(1);
    expect(seen[0]!.headers.traceparent).toBeUndefined();
    expect(spansInHandler).toEqual([undefined]);
    expect(spans()).toEqual([]);
  });
});
