import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProducerContexts } from './producer-contexts.ts';

const A = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const B = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00';

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
});
afterAll(() => {
  propagation.disable();
  context.disable();
});

describe('ProducerContexts', () => {
  it('extracts the producer context once while the headers repeat, and again when they change', () => {
    const producers = new ProducerContexts();
    const first = producers.parentOf({ traceparent: A, ce_id: '1' });
    expect(trace.getSpanContext(first)).toMatchObject({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      isRemote: true,
    });
    expect(producers.parentOf({ traceparent: A, ce_id: '2' })).toBe(first);
    const other = producers.parentOf({ traceparent: B });
    expect(other).not.toBe(first);
    expect(trace.getSpanContext(other)?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('keys on every header the propagator reads, not only traceparent', () => {
    const producers = new ProducerContexts();
    const plain = producers.parentOf({ traceparent: A });
    const withBaggage = producers.parentOf({ traceparent: A, baggage: 'tenant=t-1' });
    expect(withBaggage).not.toBe(plain);
    expect(propagation.getBaggage(withBaggage)?.getEntry('tenant')?.value).toBe('t-1');
  });

  it('extracts into the root context, whatever context is active', () => {
    const producers = new ProducerContexts();
    const active = trace.setSpan(
      ROOT_CONTEXT,
      trace.wrapSpanContext({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 }),
    );
    const parent = context.with(active, () => {
      expect(trace.getSpanContext(context.active())?.traceId).toBe('1'.repeat(32));
      return producers.parentOf({ ce_id: 'no trace context' });
    });
    expect(trace.getSpanContext(parent)).toBeUndefined();
  });

  it('derives once per parent, and derives again once the parent changed', () => {
    const producers = new ProducerContexts();
    let derivations = 0;
    const derive = () => ({ n: ++derivations });
    const a = producers.parentOf({ traceparent: A });
    expect(producers.derived(a, derive)).toEqual({ n: 1 });
    expect(producers.derived(producers.parentOf({ traceparent: A }), derive)).toEqual({ n: 1 });
    const b = producers.parentOf({ traceparent: B });
    expect(producers.derived(b, derive)).toEqual({ n: 2 });
    // A parent that is no longer the cached one is derived afresh, not from the cache.
    expect(producers.derived(a, derive)).toEqual({ n: 3 });
  });
});
