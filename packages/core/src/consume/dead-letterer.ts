import type { Span } from '@opentelemetry/api';
import { errorMessage } from '../observability/health.ts';
import type { BusMetrics } from '../observability/metrics.ts';
import { endSpanDeadLettered, endSpanWithError, startDeadLetterSpan } from '../observability/tracing.ts';
import type { ErrorReport, ResolvedBusOptions } from '../options.ts';
import type { Publisher } from '../publish/publisher.ts';
import type { InboundMessage } from '../transport.ts';
import { type DeadLetterReason, deadLetterMessage } from './dead-letter.ts';
import { errorType } from './handler-runs.ts';

export interface DeadLettererDeps {
  readonly topic: string;
  readonly group: string;
  /** `undefined`: dead-lettering is off; failed events are reported and dropped. */
  readonly deadLetterTopic: string | undefined;
  readonly transportName: string;
  readonly prefix: string;
  readonly publisher: Publisher;
  readonly options: ResolvedBusOptions;
  readonly metrics: BusMetrics;
  readonly noteError: (error: unknown) => void;
  /** How long a dead letter the broker refused waits before the event is tried again. */
  readonly retryDelayMs: () => number;
}

/**
 * Sends an event that cannot be handled to the dead-letter topic with the reason attached, then
 * acks it. When the dead-letter send fails the event goes back to the broker (delayed): it must
 * not be lost. With dead-lettering off it is reported to `onError` and acked (dropped on purpose).
 */
export class DeadLetterer {
  readonly #deps: DeadLettererDeps;

  constructor(deps: DeadLettererDeps) {
    this.#deps = deps;
  }

  async send(
    message: InboundMessage,
    eventId: string | undefined,
    reason: DeadLetterReason,
    error: unknown,
    attempts: number,
    span: Span | undefined,
  ): Promise<void> {
    const { metrics, options, publisher, deadLetterTopic: topic, group } = this.#deps;
    const id = eventId ?? message.headers[`${this.#deps.prefix}id`];
    span?.addEvent('dead_letter', {
      'switchyard.dead_letter.reason': reason,
      'error.type': errorType(error),
    });
    if (topic === undefined) {
      this.#deps.noteError(error);
      this.report(error, 'drop', id);
      metrics.deadLettered(this.#deps.topic, group, `${reason}:dropped`);
      message.ack();
      span?.end();
      return;
    }
    try {
      const dead = deadLetterMessage(message, { topic, group, reason, error, attempts, eventId: id });
      const deadSpan = options.tracing
        ? startDeadLetterSpan(this.#deps.transportName, dead.topic, id, span, dead.headers)
        : undefined;
      await publisher.sendRaw(dead, deadSpan);
      metrics.deadLettered(this.#deps.topic, group, reason);
      message.ack();
      if (span !== undefined) endSpanDeadLettered(span, error, reason);
    } catch (sendError) {
      this.#deps.noteError(sendError);
      this.report(sendError, 'dead-letter', id);
      message.nack({ delayMs: this.#deps.retryDelayMs(), nextAttempt: attempts });
      if (span !== undefined) endSpanWithError(span, sendError);
    }
  }

  report(error: unknown, operation: ErrorReport['operation'], eventId: string | undefined): void {
    const err = error instanceof Error ? error : new Error(errorMessage(error));
    this.#deps.options.onError(err, {
      operation,
      topic: this.#deps.topic,
      group: this.#deps.group,
      ...(eventId ? { eventId } : {}),
    });
  }
}
