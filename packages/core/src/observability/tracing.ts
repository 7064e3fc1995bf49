import {
  type Context,
  context,
  type Link,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';

/**
 * Producer and consumer spans per the OpenTelemetry messaging semantic conventions, with W3C
 * trace context carried in event headers. With no SDK registered the API hands out non-recording
 * spans and a no-op propagator, so the cost is a few allocations per event.
 */
const tracer = trace.getTracer('@switchyard/core');

const setter: TextMapSetter<Record<string, string>> = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};

const getter: TextMapGetter<Readonly<Record<string, string>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

export interface MessageAttributes {
  readonly system: string;
  readonly topic: string;
  readonly id: string;
  readonly key?: string | undefined;
}

/** Starts `send <topic>` (PRODUCER) and writes its context into `headers`. */
export function startSendSpan(attrs: MessageAttributes, headers: Record<string, string>): Span {
  const span = tracer.startSpan(`send ${attrs.topic}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      'messaging.system': attrs.system,
      'messaging.destination.name': attrs.topic,
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.message.id': attrs.id,
      ...(attrs.key === undefined
        ? {}
        : { 'messaging.kafka.message.key': attrs.key, 'messaging.message.key': attrs.key }),
    },
  });
  if (span.isRecording() || trace.getSpan(context.active()) !== undefined) {
    propagation.inject(trace.setSpan(context.active(), span), headers, setter);
  }
  return span;
}

/** Starts `process <topic>` (CONSUMER) as a child of the producer context found in `headers`. */
export function startProcessSpan(
  attrs: MessageAttributes & {
    readonly group: string;
    readonly partition?: number | undefined;
    readonly offset?: string | undefined;
    readonly sequence?: number | undefined;
  },
  headers: Readonly<Record<string, string>>,
): { span: Span; context: Context } {
  const parent =
    headers.traceparent === undefined
      ? context.active()
      : propagation.extract(context.active(), headers, getter);
  const span = tracer.startSpan(
    `process ${attrs.topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': attrs.system,
        'messaging.destination.name': attrs.topic,
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.message.id': attrs.id,
        'messaging.consumer.group.name': attrs.group,
        ...(attrs.key === undefined ? {} : { 'messaging.message.key': attrs.key }),
        ...(attrs.partition === undefined
          ? {}
          : { 'messaging.destination.partition.id': String(attrs.partition) }),
        ...(attrs.offset === undefined ? {} : { 'messaging.kafka.offset': Number(attrs.offset) }),
        ...(attrs.sequence === undefined ? {} : { 'messaging.nats.stream.sequence': attrs.sequence }),
      },
    },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/** A span covering a batch publish, linked to each event's producer span. */
export function startBatchSpan(system: string, topic: string, links: Link[]): Span {
  return tracer.startSpan(`send ${topic}`, {
    kind: SpanKind.PRODUCER,
    links,
    attributes: {
      'messaging.system': system,
      'messaging.destination.name': topic,
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.batch.message_count': links.length,
    },
  });
}

export function endSpanWithError(span: Span, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error));
  span.recordException(err);
  span.setAttribute('error.type', (err as { code?: string }).code ?? err.name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
  span.end();
}

export function runInContext<T>(ctx: Context, fn: () => T): T {
  return context.with(ctx, fn);
}
