import type { EventEnvelope } from '../envelope.ts';
import type { BusMetrics } from '../observability/metrics.ts';
import type { ProducerContexts } from '../observability/producer-contexts.ts';
import {
  endSpanDeadLettered,
  endSpanWithError,
  runInContext,
  startBatchProcessSpan,
} from '../observability/tracing.ts';
import type { InboundMessage } from '../transport.ts';
import type { BatchContext } from '../types.ts';
import { abortableSleep } from './abortable-sleep.ts';
import type { DeadLetterer } from './dead-letterer.ts';
import type { HandlerEntry } from './handler-entry.ts';
import { errorType } from './handler-runs.ts';
import { retryDelay } from './retry-policy.ts';

export interface BatchItem {
  readonly message: InboundMessage;
  readonly envelope: EventEnvelope;
}

export interface BatchRunsDeps {
  readonly topic: string;
  readonly group: string;
  readonly system: string;
  readonly tracing: boolean;
  readonly metrics: BusMetrics;
  readonly producers: ProducerContexts;
  readonly deadLetters: DeadLetterer;
  readonly noteError: (error: unknown) => void;
}

/**
 * Runs a batch handler on a batch: all of it succeeds (every event acked) or fails together
 * (retried in process with the handler's policy; after the last attempt each event is
 * dead-lettered with the error). Intake stopping during a wait hands every event back.
 */
export class BatchRuns {
  readonly #deps: BatchRunsDeps;

  constructor(deps: BatchRunsDeps) {
    this.#deps = deps;
  }

  async run(entry: HandlerEntry, items: readonly BatchItem[]): Promise<void> {
    const { metrics, topic, group } = this.#deps;
    const handle = entry.batch!;
    const messages = items.map((i) => i.message);
    const events = items.map((i) => i.envelope);
    const traced = this.#deps.tracing
      ? startBatchProcessSpan(this.#deps.system, topic, group, messages, this.#deps.producers)
      : undefined;
    const span = traced?.span;
    const stop = entry.retrySignal(undefined);
    const started = metrics.clock();
    metrics.inFlight(topic, group, items.length);
    entry.began();
    try {
      for (let attempt = 1; ; attempt++) {
        const ctx: BatchContext = { attempt, signal: entry.handlerSignal(undefined), topic, group, span };
        try {
          await (traced === undefined
            ? handle(events, ctx)
            : runInContext(traced.context, () => handle(events, ctx)));
          const seconds = (metrics.clock() - started) / 1000;
          for (const message of messages) {
            metrics.consumed(topic, group, seconds);
            message.ack();
          }
          span?.end();
          return;
        } catch (error) {
          this.#deps.noteError(error);
          if (stop.aborted) return this.#handBack(messages, span, error);
          if (attempt >= entry.retry.attempts) {
            await Promise.all(
              items.map((i) =>
                this.#deps.deadLetters.send(
                  i.message,
                  i.envelope.id,
                  'handler-failed',
                  error,
                  attempt,
                  undefined,
                ),
              ),
            );
            if (span !== undefined) endSpanDeadLettered(span, error, 'handler-failed');
            return;
          }
          metrics.retried(topic, group);
          const delay = retryDelay(entry.retry, attempt);
          span?.addEvent('retry', {
            'switchyard.attempt': attempt,
            'switchyard.retry.delay_ms': delay,
            'error.type': errorType(error),
          });
          await abortableSleep(delay, stop);
          if (stop.aborted) return this.#handBack(messages, span, error);
        }
      }
    } finally {
      metrics.inFlight(topic, group, -items.length);
      entry.ended();
    }
  }

  #handBack(messages: readonly InboundMessage[], span: BatchContext['span'], error: unknown): void {
    for (const message of messages) message.nack();
    if (span !== undefined) endSpanWithError(span, error);
  }
}
