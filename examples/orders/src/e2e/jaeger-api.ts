/** The parts of Jaeger's query API (`/api/traces/<id>`, the JSON its UI reads) the e2e test uses. */
export interface JaegerTag {
  readonly key: string;
  readonly type: string;
  readonly value: string | number | boolean;
}

export interface JaegerSpan {
  readonly traceID: string;
  readonly spanID: string;
  readonly operationName: string;
  readonly references: ReadonlyArray<{
    readonly refType: 'CHILD_OF' | 'FOLLOWS_FROM';
    readonly traceID: string;
    readonly spanID: string;
  }>;
  readonly tags: readonly JaegerTag[];
  /** Span events: `fields` holds `event` (the name) and the event's attributes. */
  readonly logs: ReadonlyArray<{ readonly timestamp: number; readonly fields: readonly JaegerTag[] }>;
  readonly processID: string;
  /** Microseconds since the epoch. */
  readonly startTime: number;
  /** Microseconds. */
  readonly duration: number;
}

export interface JaegerTrace {
  readonly traceID: string;
  readonly spans: readonly JaegerSpan[];
  readonly processes: Readonly<Record<string, { readonly serviceName: string }>>;
}

/** A span's tags as an object, and the service that reported it. */
export function describeSpan(trace: JaegerTrace, span: JaegerSpan) {
  return {
    tags: Object.fromEntries(span.tags.map((t) => [t.key, t.value])) as Record<string, unknown>,
    service: trace.processes[span.processID]?.serviceName,
  };
}

/**
 * Polls `GET <query>/api/traces/<traceId>` until `complete(trace)` holds (spans from several
 * processes arrive at different times), or gives up after `timeoutMs` with what it last saw.
 */
export async function fetchTrace(
  queryUrl: string,
  traceId: string,
  complete: (trace: JaegerTrace) => boolean,
  timeoutMs = 30_000,
): Promise<JaegerTrace> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    try {
      const response = await fetch(`${queryUrl.replace(/\/+$/, '')}/api/traces/${traceId}`, {
        signal: AbortSignal.timeout(5_000),
      });
      if (response.ok) {
        const body = (await response.json()) as { data?: JaegerTrace[] };
        const trace = body.data?.[0];
        if (trace !== undefined && complete(trace)) return trace;
        last = `spans so far: ${trace?.spans.map((s) => s.operationName).join(', ') ?? 'none'}`;
      } else {
        last = `HTTP ${response.status}`;
      }
    } catch (error) {
      last = String(error);
    }
    if (Date.now() > deadline)
      throw new Error(`Trace ${traceId} was not complete in Jaeger after ${timeoutMs} ms (${last}).`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
