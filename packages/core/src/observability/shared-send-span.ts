import { propagation, ROOT_CONTEXT, type Span, SpanKind, type Tracer } from '@opentelemetry/api';
import type { EventEnvelope } from '../envelope.ts';
import type { TransportReceipt } from '../transport.ts';
import { withSpan } from './span-in-context.ts';
import { endSendSpan, endSpanWithError, messageAttributes, operationAttributes, setter } from './tracing.ts';

/**
 * Events published outside any trace (the active context is the root context: no span, no
 * baggage) have no parent to continue. Each of them used to start a trace of its own, and asking
 * the SDK for a root span (sampler, two random ids, an attribute copy) cost as much as the rest of
 * an in-memory publish. Instead, the events of one topic that leave in the same `transport.send`
 * share one `send <topic>` PRODUCER span: one sampling decision, one traceparent written into each
 * event's headers, and every consumer's `process` span a child of it. With one such event in a
 * send the span is the same per-event span a traced publish gets (message id, key, partition,
 * offset); with more it carries `messaging.batch.message_count`, as the messaging conventions ask
 * of a send that covers a batch. Events published inside a trace keep their own `send` span.
 */

/** Room kept in the publish buffer for the `traceparent` header written at send time. */
export const DEFERRED_TRACE_BYTES = 'traceparent'.length + 55;

/** The span several events of one send share; it ends when the last of them is settled. */
export class SharedSendSpan {
  readonly #span: Span;
  readonly #system: string;
  readonly #single: boolean;
  #remaining: number;
  #failed = 0;
  #firstError: unknown;

  constructor(span: Span, system: string, count: number) {
    this.#span = span;
    this.#system = system;
    this.#single = count === 1;
    this.#remaining = count;
  }

  succeeded(receipt: TransportReceipt): void {
    if (--this.#remaining > 0) return;
    if (this.#failed > 0) this.#endFailed();
    else if (this.#single) endSendSpan(this.#span, this.#system, receipt);
    else this.#span.end();
  }

  failed(error: unknown): void {
    if (this.#failed++ === 0) this.#firstError = error;
    if (--this.#remaining === 0) this.#endFailed();
  }

  #endFailed(): void {
    if (!this.#single && this.#span.isRecording())
      this.#span.setAttribute('switchyard.batch.failed_count', this.#failed);
    endSpanWithError(this.#span, this.#firstError);
  }
}

export interface DeferredEvent {
  readonly envelope: EventEnvelope;
  /** The wire headers the shared span's trace context is written into. */
  readonly headers: Record<string, string>;
}

/**
 * Starts the shared span of `events` (all published to `topic` outside any trace) and writes its
 * trace context into each event's headers.
 */
export function startSharedSendSpan(
  tracer: Tracer,
  system: string,
  topic: string,
  events: readonly DeferredEvent[],
): SharedSendSpan {
  const attributes = operationAttributes(system, topic, 'send');
  if (events.length > 1) attributes['messaging.batch.message_count'] = events.length;
  const span = tracer.startSpan(`send ${topic}`, { kind: SpanKind.PRODUCER, attributes }, ROOT_CONTEXT);
  if (events.length === 1 && span.isRecording()) messageAttributes(span, system, events[0]!.envelope);
  const carrier: Record<string, string> = {};
  propagation.inject(withSpan(ROOT_CONTEXT, span), carrier, setter);
  const names = Object.keys(carrier);
  const traceparent = carrier.traceparent;
  if (names.length === 1 && traceparent !== undefined) {
    // The W3C propagator alone: a named store per event, not a keyed one by a variable name.
    for (const event of events) event.headers.traceparent = traceparent;
  } else {
    for (const event of events) for (const name of names) event.headers[name] = carrier[name]!;
  }
  return new SharedSendSpan(span, system, events.length);
}
