import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type ReadableSpan,
  type SpanExporter,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';

/**
 * How a benchmark process traces:
 * - `off`: the bus option `tracing: false` — no span code runs at all.
 * - `api`: tracing on in the bus but no SDK registered — the API's no-op spans (the default a user gets).
 * - `unsampled`: the SDK as below with a sampler that records nothing: what the bus does for
 *   tracing (decisions, trace context in headers, handler contexts) without the SDK recording a span.
 * - `sampled`: an SDK tracer provider, parent-based 10 % ratio sampler, BatchSpanProcessor, no-op exporter.
 * - `always`: the same with every trace sampled.
 */
export type TracingMode = 'off' | 'api' | 'unsampled' | 'sampled' | 'always';

export const TRACING_MODES: readonly TracingMode[] = ['off', 'api', 'unsampled', 'sampled', 'always'];
export const SAMPLE_RATIO = 0.1;

/** Counts what it is handed and drops it: the export cost without a network. */
class CountingExporter implements SpanExporter {
  spans = 0;
  export(spans: ReadableSpan[], done: (result: { code: 0 }) => void): void {
    this.spans += spans.length;
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
}

export interface InstalledTracing {
  readonly mode: TracingMode;
  /** Spans that reached the exporter so far. */
  exported(): number;
  shutdown(): Promise<void>;
}

/** Registers the OpenTelemetry SDK globally for this process (only for `sampled` and `always`). */
export function installTracing(mode: TracingMode): InstalledTracing {
  if (mode === 'off' || mode === 'api') {
    return { mode, exported: () => 0, shutdown: async () => {} };
  }
  const exporter = new CountingExporter();
  const root =
    mode === 'always'
      ? new AlwaysOnSampler()
      : mode === 'unsampled'
        ? new AlwaysOffSampler()
        : new TraceIdRatioBasedSampler(SAMPLE_RATIO);
  const provider = new BasicTracerProvider({
    sampler: new ParentBasedSampler({ root }),
    // The SDK defaults: 2048 queued spans, batches of 512, every 5 s. A full queue drops spans,
    // which is what a production process under this load would do too.
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    mode,
    exported: () => exporter.spans,
    shutdown: async () => {
      await provider.forceFlush();
      await provider.shutdown();
    },
  };
}
