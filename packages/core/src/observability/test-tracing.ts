import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  type Sampler,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createEventBus } from '../event-bus.ts';
import type { TracingOptions } from '../options.ts';
import type { Transport } from '../transport.ts';
import type { EventBus } from '../types.ts';
import { fakeTransport } from './test-transports.ts';

/** Registers `provider`, a context manager and the W3C propagator for the test file, and removes them after it. */
export function useTracerProvider(provider: BasicTracerProvider): void {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(provider);
  });
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  });
}

export interface RecordedSpans {
  readonly provider: BasicTracerProvider;
  /** A bus of `orders-svc` on `transport`, closed (and the spans forgotten) after each test. */
  newBus(transport?: Transport, tracing?: boolean | TracingOptions): EventBus;
  /** The finished spans, those named `name` when given. */
  spans(name?: string): ReadableSpan[];
}

/** A tracer provider (with `sampler`, else the SDK's default) that keeps every finished span, for the test file. */
export function useRecordedSpans(sampler?: Sampler): RecordedSpans {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    ...(sampler === undefined ? {} : { sampler }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  useTracerProvider(provider);
  const buses: EventBus[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.close({ drainTimeoutMs: 1_000 })));
    exporter.reset();
  });
  return {
    provider,
    newBus(transport = fakeTransport(), tracing = true) {
      const bus = createEventBus({ source: 'orders-svc', transport, tracing, onError: () => {} });
      buses.push(bus);
      return bus;
    },
    spans(name) {
      const all = exporter.getFinishedSpans();
      return name === undefined ? all : all.filter((s) => s.name === name);
    },
  };
}
