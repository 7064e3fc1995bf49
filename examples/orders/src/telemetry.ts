import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

export interface Telemetry {
  /** Where traces go: the OTLP/HTTP traces URL. */
  readonly tracesUrl: string;
  /** Exports what is buffered, then stops. Call it before the process exits. */
  shutdown(): Promise<void>;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * A minimal OpenTelemetry setup without the NodeSDK: when `OTEL_EXPORTER_OTLP_ENDPOINT` is set,
 * spans go through a batching processor to OTLP/HTTP, sampled parent-based (a consumer follows
 * the producer's decision) with `OTEL_TRACES_SAMPLER_ARG` as the root ratio (default 1). Metrics
 * go to OTLP too when `OTEL_METRICS_EXPORTER=otlp` (off by default: Jaeger takes only traces).
 * Returns undefined, registering nothing, when the endpoint is not set.
 *
 * Call it before creating the bus: the metrics API has no proxy, so instruments made earlier stay
 * no-ops.
 */
export function startTelemetry(serviceName: string, env: Env = process.env): Telemetry | undefined {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, '');
  if (endpoint === undefined || endpoint === '') return undefined;
  const resource = resourceFromAttributes({
    'service.name': env.OTEL_SERVICE_NAME ?? serviceName,
    'service.instance.id': `${process.pid}`,
  });

  const ratio = Number(env.OTEL_TRACES_SAMPLER_ARG ?? 1);
  if (!(ratio >= 0 && ratio <= 1)) throw new Error(`OTEL_TRACES_SAMPLER_ARG must be in [0, 1], got ${ratio}`);
  const tracesUrl = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${endpoint}/v1/traces`;
  const tracerProvider = new TracerProvider({
    resource,
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: tracesUrl }),
        scheduledDelayMillis: 500,
        maxExportBatchSize: 512,
        maxQueueSize: 8192,
      }),
    ],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(tracerProvider);

  let meterProvider: MeterProvider | undefined;
  if (env.OTEL_METRICS_EXPORTER === 'otlp') {
    meterProvider = new MeterProvider({
      resource,
      readers: [
        new PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter({
            url: env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT ?? `${endpoint}/v1/metrics`,
          }),
          exportIntervalMillis: Number(env.OTEL_METRIC_EXPORT_INTERVAL ?? 10_000),
        }),
      ],
    });
    metrics.setGlobalMeterProvider(meterProvider);
  }

  return {
    tracesUrl,
    async shutdown() {
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider?.shutdown()]);
    },
  };
}
