import type { Span } from '@opentelemetry/api';
import { EventBusError, isEventBusError } from '../errors.ts';
import { errorMessage } from '../observability/health.ts';
import type { BusMetrics } from '../observability/metrics.ts';
import { endSpanDeadLettered, endSpanWithError, startDeadLetterSpan } from '../observability/tracing.ts';
import type { ErrorReport, ResolvedBusOptions } from '../options.ts';
import { encodedSize } from '../publish/pending.ts';
import type { Publisher } from '../publish/publisher.ts';
import type { InboundMessage, OutboundMessage } from '../transport.ts';
import { type DeadLetterReason, DLQ_HEADERS, deadLetterMessage, truncatedDeadLetter } from './dead-letter.ts';
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
    const { metrics, options, deadLetterTopic: topic, group } = this.#deps;
    const id = eventId ?? message.headers[`${this.#deps.prefix}id`];
    span?.addEvent('dead_letter', {
      'switchyard.dead_letter.reason': reason,
      'error.type': errorType(error),
    });
    if (topic === undefined) {
      this.#deps.noteError(error);
      this.report(error, 'drop', id, { reason, attempts });
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
      const truncated = await this.#write(dead, deadSpan);
      metrics.deadLettered(this.#deps.topic, group, truncated ? `${reason}:truncated` : reason);
      message.ack();
      this.report(error, 'handle', id, { reason, attempts, deadLetterTopic: topic });
      if (span !== undefined) endSpanDeadLettered(span, error, reason);
    } catch (sendError) {
      // The broker did not take it (down, or refusing): the event must not be lost, so it goes
      // back and is tried again later.
      const delayMs = this.#deps.retryDelayMs();
      const failure = new EventBusError(
        'DEAD_LETTER_FAILED',
        `Could not write event ${id ?? '(no id)'} to the dead-letter topic ${topic}: ${errorMessage(sendError)}. ` +
          `It stays with the broker and is tried again in ${delayMs} ms.`,
        { retriable: true, cause: sendError, details: { topic, eventId: id } },
      );
      this.#deps.noteError(failure);
      this.report(failure, 'dead-letter', id);
      message.nack({ delayMs, nextAttempt: attempts });
      if (span !== undefined) endSpanWithError(span, sendError);
    }
  }

  /**
   * Writes the dead letter; one larger than the topic accepts (known before sending, or refused by
   * the broker) is written in its bounded form instead, and reported. Returns whether it was.
   */
  async #write(dead: OutboundMessage, span: Span | undefined): Promise<boolean> {
    const { publisher } = this.#deps;
    const limit = publisher.transportMaxBytes;
    let refusal = `the transport's limit of ${limit} bytes`;
    if (encodedSize(dead) <= limit) {
      try {
        await publisher.sendRaw(dead, span);
        return false;
      } catch (error) {
        if (!isEventBusError(error, 'EVENT_TOO_LARGE')) throw error;
        refusal = `the topic's own limit (the broker refused it: ${errorMessage(error)})`;
      }
    } else span?.end();
    const prefix = this.#deps.prefix;
    const bounded = truncatedDeadLetter(
      dead,
      limit,
      (name) => name.startsWith(prefix) || name === 'content-type' || name === 'traceparent',
    );
    await publisher.sendRaw(bounded);
    const origin = [
      dead.headers[DLQ_HEADERS.originalTopic],
      dead.headers[DLQ_HEADERS.originalPartition],
      dead.headers[DLQ_HEADERS.originalOffset] ?? dead.headers[DLQ_HEADERS.originalSequence],
    ].filter((part) => part !== undefined);
    this.report(
      new EventBusError(
        'EVENT_TOO_LARGE',
        `The dead letter of event ${dead.id} (${dead.value.byteLength} bytes of payload) is larger than ` +
          `${dead.topic} accepts, ${refusal}: it was written without its payload ` +
          `(header ${DLQ_HEADERS.truncated}); the original is at ${origin.join('/')} while retention keeps it.`,
        { details: { topic: dead.topic, bytes: dead.value.byteLength, limit } },
      ),
      'dead-letter',
      dead.id,
    );
    return true;
  }

  report(
    error: unknown,
    operation: ErrorReport['operation'],
    eventId: string | undefined,
    outcome: Pick<ErrorReport, 'reason' | 'attempts' | 'deadLetterTopic'> = {},
  ): void {
    const err = error instanceof Error ? error : new Error(errorMessage(error));
    // The hook never throws (resolveBusOptions): the event is acked or sent back either way.
    this.#deps.options.onError(err, {
      operation,
      topic: this.#deps.topic,
      group: this.#deps.group,
      ...(eventId ? { eventId } : {}),
      ...outcome,
    });
  }
}
