import {
  type Attributes,
  type Context,
  context,
  createContextKey,
  type Link,
  ProxyTracerProvider,
  propagation,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  type TimeInput,
  TraceFlags,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type { EventEnvelope } from '../envelope.ts';
import { asError } from '../errors.ts';
import type { InboundMessage, TransportReceipt } from '../transport.ts';
import type { ProducerContexts } from './producer-contexts.ts';
import { withSpan } from './span-in-context.ts';

/**
 * Producer and consumer spans per the OpenTelemetry messaging semantic conventions, with W3C
 * trace context carried in event headers.
 *
 * With no tracer provider registered every function here returns `undefined` after two property
 * reads: no span object, no attribute object, no header written. (Going through the API's no-op
 * tracer instead costs about a fifth of the in-memory throughput.)
 */
const TRACER_NAME = '@switchyard/core';
const NOOP_PROVIDER: TracerProvider = new ProxyTracerProvider().getDelegate();
let cachedProvider: TracerProvider = NOOP_PROVIDER;
let cachedTracer: Tracer | undefined;

/** The registered SDK's tracer, or `undefined` when none is registered. */
export function activeTracer(): Tracer | undefined {
  let provider: TracerProvider = trace.getTracerProvider();
  if (provider instanceof ProxyTracerProvider) provider = provider.getDelegate();
  if (provider === NOOP_PROVIDER) return undefined;
  // Looked up again when the provider changes (tests swap providers; `trace.disable()` resets it).
  if (provider !== cachedProvider) {
    cachedProvider = provider;
    cachedTracer = provider.getTracer(TRACER_NAME);
  }
  return cachedTracer;
}

export const setter: TextMapSetter<Record<string, string>> = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};

export const getter: TextMapGetter<Readonly<Record<string, string>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

/** Set by `publishBatch`: producer spans started inside it are `create` spans and collect here as links. */
const BATCH_KEY = createContextKey('@switchyard/core batch');

/**
 * Whether a publish made now has no trace to continue: a tracer is registered and the active
 * context holds no span, no baggage and no `publishBatch`. (Not `=== ROOT_CONTEXT`: the API's ESM
 * and CommonJS builds each have one, and a context manager may hand out either.)
 */
export function publishingOutsideAnyTrace(): boolean {
  if (activeTracer() === undefined) return false;
  const active = context.active();
  if (active === lastEmptyContext) return true; // contexts are immutable: once empty, always
  const empty =
    trace.getSpan(active) === undefined &&
    propagation.getBaggage(active) === undefined &&
    active.getValue(BATCH_KEY) === undefined;
  if (empty) lastEmptyContext = active;
  return empty;
}
let lastEmptyContext: Context | undefined;

/** The attributes every span of a messaging operation starts with, and samplers may look at. */
export function operationAttributes(
  system: string,
  topic: string,
  operation: 'send' | 'create' | 'process',
): Attributes {
  return {
    'messaging.system': system,
    'messaging.destination.name': topic,
    'messaging.operation.type': operation,
    'messaging.operation.name': operation,
  };
}

/**
 * The attributes a sampler may look at are given at span creation; the rest only to spans that
 * record, so an unsampled event builds no more than it must. `switchyard.*` names stand where the
 * conventions define none for every system (key, offset, sequence).
 */
export function messageAttributes(span: Span, system: string, envelope: EventEnvelope): void {
  span.setAttribute('messaging.message.id', envelope.id);
  if (envelope.key !== undefined) {
    span.setAttribute('switchyard.message.key', envelope.key);
    if (system === 'kafka') span.setAttribute('messaging.kafka.message.key', envelope.key);
  }
  if (envelope.correlationid !== undefined)
    span.setAttribute('messaging.message.conversation_id', envelope.correlationid);
}

function positionAttributes(
  span: Span,
  system: string,
  where: { partition?: number | undefined; offset?: string | undefined; sequence?: number | undefined },
): void {
  if (where.partition !== undefined)
    span.setAttribute('messaging.destination.partition.id', String(where.partition));
  if (where.offset !== undefined) {
    if (system === 'kafka') span.setAttribute('messaging.kafka.offset', Number(where.offset));
    else span.setAttribute('switchyard.message.offset', where.offset);
  }
  if (where.sequence !== undefined) span.setAttribute('switchyard.stream.sequence', where.sequence);
}

/**
 * Starts `send <topic>` (PRODUCER; `create <topic>` inside `publishBatch`) and writes its context
 * into `headers`, so the consumer's span becomes its child.
 */
export function startSendSpan(
  system: string,
  topic: string,
  envelope: EventEnvelope,
  headers: Record<string, string>,
  unsampledParent: 'follow' | 'sampler' = 'sampler',
): Span | undefined {
  const tracer = activeTracer();
  if (tracer === undefined) return undefined;
  const active = context.active();
  if (unsampledParent === 'follow' && isUnsampled(trace.getSpanContext(active))) {
    // Published inside a trace that is not sampled: the SDK's parent-based answer is a span that
    // records nothing, so the event carries the active context as it is (same trace, flags 00).
    propagation.inject(active, headers, setter);
    return undefined;
  }
  const batch = active.getValue(BATCH_KEY) as Link[] | undefined;
  const operation = batch === undefined ? 'send' : 'create';
  const attributes = operationAttributes(system, topic, operation);
  const span = tracer.startSpan(`${operation} ${topic}`, { kind: SpanKind.PRODUCER, attributes }, active);
  if (span.isRecording()) messageAttributes(span, system, envelope);
  batch?.push({ context: span.spanContext() });
  propagation.inject(withSpan(active, span), headers, setter);
  return span;
}

/** Ends a producer span with where the broker put the event. */
export function endSendSpan(span: Span, system: string, receipt: TransportReceipt): void {
  if (span.isRecording()) {
    positionAttributes(span, system, receipt);
    if (receipt.duplicate === true) span.setAttribute('switchyard.duplicate', true);
  }
  span.end();
}

/**
 * Starts `process <topic>` (CONSUMER) as a child of the producer context found in the headers.
 * Returns the context the handler runs in, so spans it starts are children of this one.
 *
 * With `unsampledParent: 'follow'`, a producer context that is valid, remote and not sampled is
 * followed without asking the SDK: the handler gets the producer's span context as a local,
 * non-recording span. That is what `ParentBasedSampler` answers for it (`remoteParentNotSampled`
 * defaults to always-off) and skips the sampler, a random span id, the attribute copies and a span
 * object per unsampled event. Marking it local keeps the decisions of spans the handler starts
 * the same as under an SDK-made non-recording `process` span.
 */
export function startProcessSpan(
  system: string,
  topic: string,
  group: string,
  envelope: EventEnvelope,
  message: InboundMessage,
  unsampledParent: 'follow' | 'sampler',
  producers: ProducerContexts,
): HandlerTrace | undefined {
  const tracer = activeTracer();
  if (tracer === undefined) return undefined;
  const parent = producers.parentOf(message.headers);
  if (unsampledParent === 'follow') {
    // The same for every event of that producer context: decided once while it repeats.
    const followed = producers.derived(parent, followUnsampled);
    if (followed !== undefined) return followed;
  }
  const attributes = operationAttributes(system, topic, 'process');
  attributes['messaging.consumer.group.name'] = group;
  const span = tracer.startSpan(`process ${topic}`, { kind: SpanKind.CONSUMER, attributes }, parent);
  if (span.isRecording()) {
    span.setAttribute('switchyard.attempt', message.attempt);
    messageAttributes(span, system, envelope);
    positionAttributes(span, system, message);
  }
  return { span, context: withSpan(parent, span) };
}

/**
 * Starts one `process <topic>` (CONSUMER) span for a batch, as the messaging conventions describe
 * batch processing: a root of its own, linked to each event's producer context.
 */
export function startBatchProcessSpan(
  system: string,
  topic: string,
  group: string,
  messages: readonly InboundMessage[],
  producers: ProducerContexts,
): HandlerTrace | undefined {
  const tracer = activeTracer();
  if (tracer === undefined) return undefined;
  const links: Link[] = [];
  for (const message of messages) {
    const producer = trace.getSpanContext(producers.parentOf(message.headers));
    if (producer !== undefined) links.push({ context: producer });
  }
  const attributes = operationAttributes(system, topic, 'process');
  attributes['messaging.consumer.group.name'] = group;
  attributes['messaging.batch.message_count'] = messages.length;
  const span = tracer.startSpan(
    `process ${topic}`,
    { kind: SpanKind.CONSUMER, attributes, links },
    ROOT_CONTEXT,
  );
  return { span, context: withSpan(ROOT_CONTEXT, span) };
}

/** A handler's span and the context it runs in. */
export interface HandlerTrace {
  readonly span: Span;
  readonly context: Context;
}

/**
 * The handler's trace for an event with these headers when its producer alone decides it (an
 * unsampled producer context, followed: see `startProcessSpan`), else `undefined`. For the
 * consumer, which asked once per batch whether a tracer is registered and `unsampledParent` is
 * `'follow'`, and passes the propagator's `fields()` it read once for the batch.
 */
export function followedProducer(
  headers: Readonly<Record<string, string>>,
  producers: ProducerContexts,
  fields: readonly string[],
): HandlerTrace | undefined {
  return producers.derived(producers.parentOf(headers, fields), followUnsampled);
}

/** The handler's context under a remote parent that is not sampled, or `undefined` for any other parent. */
function followUnsampled(parent: Context): HandlerTrace | undefined {
  const remote = trace.getSpanContext(parent);
  if (remote?.isRemote !== true || !isUnsampled(remote)) return undefined;
  const span = trace.wrapSpanContext({ ...remote, isRemote: false });
  return { span, context: withSpan(parent, span) };
}

/**
 * Starts `send <topic>` for a dead letter: a child of the `process` span when there is one, else
 * of the producer context in the original headers (undecodable and schema-invalid events have
 * no `process` span). Overwrites the trace context in `headers`, so the dead-letter consumer
 * continues from here.
 */
export function startDeadLetterSpan(
  system: string,
  topic: string,
  eventId: string | undefined,
  processSpan: Span | undefined,
  headers: Record<string, string>,
): Span | undefined {
  const tracer = activeTracer();
  if (tracer === undefined) return undefined;
  // From the root context, like the consumer's own: whatever context this continuation runs in
  // (the handler's, or a neighbour event's) is not the dead letter's parent.
  const parent =
    processSpan === undefined
      ? propagation.extract(ROOT_CONTEXT, headers, getter)
      : withSpan(ROOT_CONTEXT, processSpan);
  const attributes = operationAttributes(system, topic, 'send');
  attributes['switchyard.dead_letter'] = true;
  if (eventId !== undefined) attributes['messaging.message.id'] = eventId;
  const span = tracer.startSpan(`send ${topic}`, { kind: SpanKind.PRODUCER, attributes }, parent);
  propagation.inject(withSpan(parent, span), headers, setter);
  return span;
}

/** What `publishBatch` carries between starting its events and ending its span. */
export interface BatchTrace {
  readonly tracer: Tracer;
  readonly parent: Context;
  readonly context: Context;
  readonly links: Link[];
  readonly startTime: TimeInput;
}

/** Returns the context to publish a batch's events in, or `undefined` when no tracer is registered. */
export function beginBatch(): BatchTrace | undefined {
  const tracer = activeTracer();
  if (tracer === undefined) return undefined;
  const parent = context.active();
  const links: Link[] = [];
  return { tracer, parent, context: parent.setValue(BATCH_KEY, links), links, startTime: Date.now() };
}

/**
 * Records the batch as `send <topic>` (CLIENT, as the conventions ask of a send span that is not
 * the events' creation context), linked to each event's `create` span, from the batch's start.
 */
export function endBatch(
  batch: BatchTrace,
  system: string,
  topic: string,
  count: number,
  failure: unknown,
): void {
  const span = batch.tracer.startSpan(
    `send ${topic}`,
    {
      kind: SpanKind.CLIENT,
      links: batch.links,
      startTime: batch.startTime,
      attributes: { ...operationAttributes(system, topic, 'send'), 'messaging.batch.message_count': count },
    },
    batch.parent,
  );
  if (failure === undefined) span.end();
  else endSpanWithError(span, failure);
}

/** Ends a span as failed: the exception, `error.type` (the EventBusError code or the error's name) and ERROR status. */
export function endSpanWithError(span: Span, error: unknown): void {
  markError(span, error);
  span.end();
}

/** The handler failed on every attempt and the event went to the dead-letter topic. */
export function endSpanDeadLettered(span: Span, error: unknown, reason: string): void {
  span.setAttribute('switchyard.dead_lettered', true);
  span.setAttribute('switchyard.dead_letter.reason', reason);
  endSpanWithError(span, error);
}

function markError(span: Span, error: unknown): void {
  const err = asError(error);
  const code = (err as { code?: unknown }).code;
  span.recordException(err);
  span.setAttribute('error.type', typeof code === 'string' ? code : err.name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
}

/** Runs `fn` in `ctx`, entering it only when it is not the active context already. */
export function runInContext<A extends unknown[], T>(ctx: Context, fn: (...args: A) => T, ...args: A): T {
  return context.active() === ctx ? fn(...args) : context.with(ctx, fn, undefined, ...args);
}

/** A valid span context whose trace is not sampled. */
function isUnsampled(spanContext: SpanContext | undefined): spanContext is SpanContext {
  return (
    spanContext !== undefined &&
    (spanContext.traceFlags & TraceFlags.SAMPLED) === 0 &&
    trace.isSpanContextValid(spanContext)
  );
}
