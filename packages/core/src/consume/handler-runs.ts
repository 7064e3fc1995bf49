import type { Span } from '@opentelemetry/api';
import type { EventEnvelope } from '../envelope.ts';
import { EventBusError } from '../errors.ts';
import type { BusMetrics } from '../observability/metrics.ts';
import { type HandlerTrace, runInContext } from '../observability/tracing.ts';
import type { InboundMessage } from '../transport.ts';
import type { HandlerContext } from '../types.ts';
import { abortableSleep } from './abortable-sleep.ts';
import type { HandlerEntry } from './handler-entry.ts';
import { retryDelay } from './retry-policy.ts';

/** How one handler's work on one event ended. */
export type Outcome =
  | { readonly kind: 'handled' }
  | { readonly kind: 'invalid'; readonly error: unknown }
  | { readonly kind: 'failed'; readonly error: unknown; readonly attempts: number }
  /** Intake stopped or the event was revoked: give it back to the broker. */
  | { readonly kind: 'stopped'; readonly error: unknown }
  /** Retry later through the broker (`nack({ delayMs })`). */
  | { readonly kind: 'redeliver'; readonly delayMs: number; readonly attempt: number };

export const HANDLED: Outcome = { kind: 'handled' };

export interface HandlerRunsDeps {
  readonly topic: string;
  readonly group: string;
  readonly metrics: BusMetrics;
  readonly delayedRedelivery: boolean;
  /** The last handler failure, for `health()`. */
  readonly noteError: (error: unknown) => void;
}

/**
 * Runs one handler on one event: schema check, the first attempt (synchronous when the handler
 * is, so a synchronous handler costs no promise), then retries with backoff. It never settles the
 * event itself; it says how the handler's work ended.
 */
export class HandlerRuns {
  readonly #deps: HandlerRunsDeps;

  constructor(deps: HandlerRunsDeps) {
    this.#deps = deps;
  }

  /**
   * `brokerRetry`: a retry delay longer than the policy's in-process maximum may be handed to the
   * broker (`redeliver`) instead of waited out here.
   */
  run(
    entry: HandlerEntry,
    message: InboundMessage,
    envelope: EventEnvelope,
    traced: HandlerTrace | undefined,
    brokerRetry: boolean,
    settle: (outcome: Outcome) => void,
  ): void {
    const definition = entry.definition;
    if (definition === undefined) {
      this.#attempt(entry, message, envelope, traced, brokerRetry, settle);
      return;
    }
    let checked: unknown;
    try {
      checked = definition.validate(envelope.data);
    } catch (error) {
      settle({ kind: 'invalid', error });
      return;
    }
    if (checked instanceof Promise) {
      checked.then(
        (data: unknown) =>
          this.#attempt(entry, message, withData(envelope, data), traced, brokerRetry, settle),
        (error: unknown) => settle({ kind: 'invalid', error }),
      );
      return;
    }
    this.#attempt(entry, message, withData(envelope, checked), traced, brokerRetry, settle);
  }

  #attempt(
    entry: HandlerEntry,
    message: InboundMessage,
    envelope: EventEnvelope,
    traced: HandlerTrace | undefined,
    brokerRetry: boolean,
    settle: (outcome: Outcome) => void,
  ): void {
    // The retry continuation is made only when an attempt fails or is asynchronous: a synchronous
    // handler that returns costs no closure here.
    let result: unknown;
    try {
      result = this.#invoke(entry, envelope, this.#context(entry, message, message.attempt, traced?.span));
    } catch (error) {
      void this.#retry(entry, message, envelope, traced, brokerRetry, message.attempt, error).then(settle);
      return;
    }
    if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
      (result as Promise<void>).then(
        () => settle(HANDLED),
        (error: unknown) =>
          this.#retry(entry, message, envelope, traced, brokerRetry, message.attempt, error).then(settle),
      );
      return;
    }
    settle(HANDLED);
  }

  #invoke(entry: HandlerEntry, envelope: EventEnvelope, ctx: HandlerContext): unknown {
    return entry.handle(envelope, ctx);
  }

  /** After attempt `failed` threw: back off and try again, or say how it ended. */
  async #retry(
    entry: HandlerEntry,
    message: InboundMessage,
    envelope: EventEnvelope,
    traced: HandlerTrace | undefined,
    brokerRetry: boolean,
    failed: number,
    firstError: unknown,
  ): Promise<Outcome> {
    const { metrics, topic, group } = this.#deps;
    const span = traced?.span;
    // Closing, or the event revoked from this consumer: no new attempt starts.
    const stop = entry.retrySignal(message.signal);
    let attempt = failed;
    let error = firstError;
    for (;;) {
      this.#deps.noteError(error);
      if (stop.aborted) return { kind: 'stopped', error };
      if (attempt >= entry.retry.attempts) return { kind: 'failed', error, attempts: attempt };
      const delay = retryDelay(entry.retry, attempt);
      metrics.retried(topic, group);
      span?.addEvent('retry', {
        'switchyard.attempt': attempt,
        'switchyard.retry.delay_ms': delay,
        'error.type': errorType(error),
      });
      if (brokerRetry && delay > entry.retry.inProcessMaxDelayMs && this.#deps.delayedRedelivery)
        return { kind: 'redeliver', delayMs: delay, attempt: attempt + 1 };
      await abortableSleep(delay, stop);
      if (stop.aborted) return { kind: 'stopped', error };
      attempt++;
      try {
        const ctx = this.#context(entry, message, attempt, span);
        await (traced === undefined
          ? this.#invoke(entry, envelope, ctx)
          : runInContext(traced.context, () => this.#invoke(entry, envelope, ctx)));
        return HANDLED;
      } catch (next) {
        error = next;
      }
    }
  }

  #context(
    entry: HandlerEntry,
    message: InboundMessage,
    attempt: number,
    span: Span | undefined,
  ): HandlerContext {
    const ctx: { -readonly [K in keyof HandlerContext]: HandlerContext[K] } = {
      attempt,
      signal: entry.handlerSignal(message.signal),
      topic: this.#deps.topic,
      group: this.#deps.group,
      span,
    };
    if (message.partition !== undefined) ctx.partition = message.partition;
    if (message.offset !== undefined) ctx.offset = message.offset;
    if (message.sequence !== undefined) ctx.sequence = message.sequence;
    return ctx;
  }
}

function withData(envelope: EventEnvelope, data: unknown): EventEnvelope {
  return data === envelope.data ? envelope : { ...envelope, data };
}

export function errorType(error: unknown): string {
  if (error instanceof EventBusError) return error.code;
  return error instanceof Error ? error.name : typeof error;
}
