import { createContextKey, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { describe, expect, it } from 'vitest';
import { withSpan } from './span-in-context.ts';

const KEY = createContextKey('test value');
const span = trace.wrapSpanContext({
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
});
const other = trace.wrapSpanContext({
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.NONE,
});

describe('withSpan', () => {
  it('reads as trace.setSpan would: the span, and every other value of the base', () => {
    const base = trace.setSpan(ROOT_CONTEXT.setValue(KEY, 'kept'), other);
    const ctx = withSpan(base, span);
    expect(trace.getSpan(ctx)).toBe(span);
    expect(ctx.getValue(KEY)).toBe('kept');
    expect(trace.getSpan(base)).toBe(other);
  });

  it('contexts derived from it keep the span and the base values', () => {
    const ctx = withSpan(ROOT_CONTEXT.setValue(KEY, 'kept'), span);
    const more = ctx.setValue(createContextKey('more'), 1);
    expect(trace.getSpan(more)).toBe(span);
    expect(more.getValue(KEY)).toBe('kept');
    expect(trace.getSpan(trace.setSpan(ctx, other))).toBe(other);
    const without = trace.deleteSpan(ctx);
    expect(trace.getSpan(without)).toBeUndefined();
    expect(without.getValue(KEY)).toBe('kept');
    expect(ctx.deleteValue(KEY).getValue(KEY)).toBeUndefined();
  });

  it('propagates the span through a propagator', () => {
    const headers: Record<string, string> = {};
    new W3CTraceContextPropagator().inject(withSpan(ROOT_CONTEXT, span), headers, {
      set: (carrier, key, value) => {
        carrier[key] = value;
      },
    });
    expect(headers.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  });
});
