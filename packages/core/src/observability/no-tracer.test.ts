import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../envelope.ts';
import { createEventBus } from '../event-bus.ts';
import type { HandlerContext } from '../types.ts';
import { fakeTransport } from './test-transports.ts';
import { activeTracer, beginBatch, startSendSpan } from './tracing.ts';

// No tracer provider is registered in this file: the cheap path.
describe('without a registered tracer provider', () => {
  it('starts no span and writes no header: publish, consume and batches cost nothing for tracing', async () => {
    expect(activeTracer()).toBeUndefined();
    expect(beginBatch()).toBeUndefined();
    const headers: Record<string, string> = {};
    const envelope = { id: 'e-1', headers: {} } as unknown as EventEnvelope;
    expect(startSendSpan('memory', 'orders', envelope, headers)).toBeUndefined();
    expect(headers).toEqual({});

    const bus = createEventBus({ source: 'svc', transport: fakeTransport(), onError: () => {} });
    const seen: Array<{ event: EventEnvelope; ctx: HandlerContext }> = [];
    await bus.subscribe('orders', (event, ctx) => {
      seen.push({ event, ctx });
    });
    await bus.publish('orders', { type: 'order.placed', data: {} });
    await bus.publishBatch('orders', [{ type: 'order.placed', data: {} }]);
    await expect.poll(() => seen.length).toBe(2);
    for (const { event, ctx } of seen) {
      expect(event.headers.traceparent).toBeUndefined();
      expect(ctx.span).toBeUndefined();
    }
    await bus.close();
  });
});
