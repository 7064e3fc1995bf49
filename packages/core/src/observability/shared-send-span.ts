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

  /** What the propagator wrote for the span: the W3C propagator's `traceparent` alone, or every field. */
  readonly #traceparent: string | undefined;
  readonly #carrier: Readonly<Record<string, string>>;
  readonly #names: readonly string[];

  constructor(span: Span, system: string, count: number, carrier: Readonly<Record<string, string>>) {
    this.#span = span;
    this.#system = system;
    this.#single = count === 1;
    this.#remaining = count;
    this.#carrier = carrier;
    this.#names = Object.keys(carrier);
    this.#traceparent =
      this.#names.length === 1 && carrier.traceparent !== undefined ? carrier.traceparent : undefined;
  }

  /** Writes the span's trace context into one event's wire headers. */
  writeTo(headers: Record<string, string>): void {
    // The W3C propagator alone: a named store per event, not a keyed one by a variable name.
    if (this.#traceparent !== undefined) headers.traceparent = this.#traceparent;
    else for (const name of this.#names) headers[name] = this.#carrier[name]!;
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

/**
 * Starts the shared span of `count` events published to `topic` outside any trace (`only`: the
 * envelope when there is one event, for the per-event attributes); `writeTo` then puts its trace
 * context into each event's headers.
 */
export function startSharedSendSpan(
  tracer: Tracer,
  system: string,
  topic: string,
  count: number,
  only: EventEnvelope | undefined,
): SharedSendSpan {
  const attributes = operationAttributes(system, topic, 'send');
  if (count > 1) attributes['messaging.batch.message_count'] = count;
  const span = tracer.startSpan(`send ${topic}`, { kind: SpanKind.PRODUCER, attributes }, ROOT_CONTEXT);
  if (count === 1 && only !== undefined && span.isRecording()) messageAttributes(span, system, only);
  const carrier: Record<string, string> = {};
  propagation.inject(withSpan(ROOT_CONTEXT, span), carrier, setter);
  return new SharedSendSpan(span, system, count, carrier);
}
