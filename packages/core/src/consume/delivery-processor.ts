import { context, type Span } from '@opentelemetry/api';
import type { EventEnvelope } from '../envelope.ts';
import { EventBusError } from '../errors.ts';
import type { BusMetrics } from '../observability/metrics.ts';
import type { ProducerContexts } from '../observability/producer-contexts.ts';
import { endSpanWithError, type HandlerTrace, startProcessSpan } from '../observability/tracing.ts';
import type { ResolvedBusOptions } from '../options.ts';
import type { InboundMessage } from '../transport.ts';
import type { BatchItem, BatchRuns } from './batch-runs.ts';
import type { ConsumerSettings } from './consumer-settings.ts';
import type { DeadLetterer } from './dead-letterer.ts';
import type { DispatchTable } from './dispatch-table.ts';
import type { HandlerEntry } from './handler-entry.ts';
import { HANDLED, type HandlerRuns, type Outcome } from './handler-runs.ts';

/** One fetched event on its way through a consumer: decoded on receipt, settled exactly once. */
export interface Delivery {
  readonly message: InboundMessage;
  readonly envelope: EventEnvelope | undefined;
  readonly decodeError: EventBusError | undefined;
  /** The handler's trace when the producer's unsampled context decides it (found on receipt). */
  readonly followed: HandlerTrace | undefined;
  readonly key: string | undefined;
}

export interface DeliveryProcessorDeps {
  readonly topic: string;
  readonly group: string;
  /** The transport's name: the spans' `messaging.system`. */
  readonly system: string;
  readonly unsampledParent: ResolvedBusOptions['unsampledParent'];
  readonly unhandled: ConsumerSettings['unhandled'];
  readonly metrics: BusMetrics;
  readonly table: DispatchTable;
  readonly producers: ProducerContexts;
  readonly runs: HandlerRuns;
  readonly batchRuns: BatchRuns;
  readonly deadLetters: DeadLetterer;
}

/**
 * What happens to a delivery the scheduler starts (one event, or a batch for a batch handler): its
 * handlers run, each with its own retries, and the event is settled exactly once — acked, handed
 * back (nack), or dead-lettered (undecodable, schema-invalid, failed, or of a type no handler of the
 * group declares, by the `unhandled` policy). The consumer decides whether it may start at all
 * (running, not held for a rebalance).
 */
export class DeliveryProcessor {
  /** Whether the batch being received is traced: set by the consumer once per batch it receives. */
  tracing = false;
  /** Events no handler declared (health's `unhandled`). */
  unhandled = 0;
  readonly #deps: DeliveryProcessorDeps;
  readonly #topic: string;
  readonly #group: string;

  constructor(deps: DeliveryProcessorDeps) {
    this.#deps = deps;
    this.#topic = deps.topic;
    this.#group = deps.group;
  }

  /** Runs one delivery and calls `done(delivery)` once it is settled (acked, nacked or dead-lettered). */
  process(delivery: Delivery, done: (delivery: Delivery) => void): void {
    const { message, envelope } = delivery;
    // Revoked while it waited for its key or a slot: another member owns it now; settling it here
    // would only run it twice.
    if (message.signal?.aborted) {
      done(delivery);
      return;
    }
    if (envelope === undefined) {
      const reason = delivery.decodeError!;
      whenSettled(
        this.#deps.deadLetters.send(
          delivery.message,
          delivery.envelope?.id,
          'decode-failed',
          reason,
          message.attempt,
          undefined,
        ),
        delivery,
        done,
      );
      return;
    }
    const targets = this.#deps.table.targets(envelope.type);
    if (targets.length === 0) {
      const dead = this.#unhandledEvent(delivery, envelope);
      if (dead === undefined) done(delivery);
      else whenSettled(dead, delivery, done);
      return;
    }
    this.#dispatch(delivery, envelope, targets, done);
  }

  /** Settles an event no handler declares by the `unhandled` policy; a promise while dead-lettering. */
  #unhandledEvent(delivery: Delivery, envelope: EventEnvelope): Promise<void> | undefined {
    this.unhandled++;
    this.#deps.metrics.unhandled(this.#topic, this.#group);
    if (this.#deps.unhandled === 'ack') {
      delivery.message.ack();
      return undefined;
    }
    const error = new EventBusError(
      'UNSUPPORTED',
      `No handler of group "${this.#group}" on ${this.#topic} declares event type ${envelope.type}.`,
    );
    return this.#deps.deadLetters.send(
      delivery.message,
      envelope.id,
      'unhandled-type',
      error,
      delivery.message.attempt,
      undefined,
    );
  }

  /**
   * A batch from the batch scheduler: what cannot go to the handler is settled on its own
   * (dead-lettered, unhandled, or skipped when revoked); the rest is one handler run.
   */
  processBatch(deliveries: readonly Delivery[], done: () => void): void {
    const entry = this.#deps.table.entries[0];
    const work: Array<Promise<void>> = [];
    const ready: BatchItem[] = [];
    for (const delivery of deliveries) {
      const { message, envelope } = delivery;
      if (message.signal?.aborted) continue;
      if (envelope === undefined) {
        work.push(
          this.#deps.deadLetters.send(
            message,
            undefined,
            'decode-failed',
            delivery.decodeError,
            message.attempt,
            undefined,
          ),
        );
        continue;
      }
      if (entry === undefined || (entry.type !== undefined && entry.type !== envelope.type)) {
        const dead = this.#unhandledEvent(delivery, envelope);
        if (dead !== undefined) work.push(dead);
        continue;
      }
      const checked = validated(entry, envelope);
      if (checked.ok) ready.push({ message, envelope: checked.envelope });
      else
        work.push(
          this.#deps.deadLetters.send(
            message,
            envelope.id,
            'schema-invalid',
            checked.error,
            message.attempt,
            undefined,
          ),
        );
    }
    if (entry !== undefined && ready.length > 0) work.push(this.#deps.batchRuns.run(entry, ready));
    if (work.length === 0) done();
    else Promise.allSettled(work).then(done);
  }

  /** Runs the event's handlers (each with its own retries) in the event's trace context. */
  #dispatch(
    delivery: Delivery,
    envelope: EventEnvelope,
    targets: readonly HandlerEntry[],
    done: (delivery: Delivery) => void,
  ): void {
    const { message } = delivery;
    const { metrics } = this.#deps;
    const traced =
      delivery.followed ??
      (this.tracing
        ? startProcessSpan(
            this.#deps.system,
            this.#topic,
            this.#group,
            envelope,
            message,
            this.#deps.unsampledParent,
            this.#deps.producers,
          )
        : undefined);
    metrics.inFlight(this.#topic, this.#group, 1);
    const started = metrics.clock();
    for (const entry of targets) entry.began();
    const finish = (outcome: Outcome) =>
      this.#finish(delivery, targets, traced?.span, started, outcome, done);
    // The continuation that settles the event is registered in its context too, and so is what the
    // scheduler starts from there: the next event of the same producer context (the rest of a
    // shared `send` span's batch) finds its context already active and enters none (and makes no
    // closure for it).
    if (traced === undefined || context.active() === traced.context)
      this.#runTargets(targets, delivery, envelope, traced, finish);
    else context.with(traced.context, this.#runTargets, this, targets, delivery, envelope, traced, finish);
  }

  /**
   * One handler (the usual case) may hand a long retry back to the broker; with several, a
   * redelivery would run again the handlers that succeeded, so their retries stay in process.
   */
  #runTargets(
    targets: readonly HandlerEntry[],
    delivery: Delivery,
    envelope: EventEnvelope,
    traced: HandlerTrace | undefined,
    finish: (outcome: Outcome) => void,
  ): void {
    if (targets.length === 1) {
      this.#deps.runs.run(targets[0]!, delivery.message, envelope, traced, true, finish);
      return;
    }
    let pending = targets.length;
    let worst: Outcome = HANDLED;
    for (const entry of targets) {
      this.#deps.runs.run(entry, delivery.message, envelope, traced, false, (outcome) => {
        // Giving the event back wins (it all runs again), then the first failure (dead letter).
        if (outcome.kind === 'stopped' || (worst.kind === 'handled' && outcome.kind !== 'handled'))
          worst = outcome;
        if (--pending === 0) finish(worst);
      });
    }
  }

  /** Settles the event once its handlers are done: the one place it is acked, handed back or dead-lettered. */
  #finish(
    delivery: Delivery,
    targets: readonly HandlerEntry[],
    span: Span | undefined,
    started: number,
    outcome: Outcome,
    done: (delivery: Delivery) => void,
  ): void {
    const { message } = delivery;
    const { metrics } = this.#deps;
    try {
      switch (outcome.kind) {
        case 'handled':
          metrics.consumed(this.#topic, this.#group, (metrics.clock() - started) / 1000);
          message.ack();
          span?.end();
          break;
        case 'stopped':
          message.nack();
          if (span !== undefined) endSpanWithError(span, outcome.error);
          break;
        case 'redeliver':
          message.nack({ delayMs: outcome.delayMs, nextAttempt: outcome.attempt });
          span?.setAttribute('switchyard.redelivery_delay_ms', outcome.delayMs);
          span?.end();
          break;
        case 'invalid':
        case 'failed': {
          const reason = outcome.kind === 'invalid' ? 'schema-invalid' : 'handler-failed';
          const attempts = outcome.kind === 'failed' ? outcome.attempts : message.attempt;
          whenSettled(
            this.#deps.deadLetters.send(
              delivery.message,
              delivery.envelope?.id,
              reason,
              outcome.error,
              attempts,
              span,
            ),
            delivery,
            () => this.#ended(delivery, targets, done),
          );
          return;
        }
      }
    } catch (error) {
      // An ack that throws is a transport bug; the key must not stall on it.
      this.#deps.deadLetters.report(error, 'consume', delivery.envelope?.id);
    }
    this.#ended(delivery, targets, done);
  }

  #ended(delivery: Delivery, targets: readonly HandlerEntry[], done: (delivery: Delivery) => void): void {
    this.#deps.metrics.inFlight(this.#topic, this.#group, -1);
    for (const entry of targets) entry.ended();
    done(delivery);
  }
}

/** Calls `done(delivery)` when `work` has ended (it handles its own failures). */
function whenSettled<T>(work: Promise<void>, delivery: T, done: (delivery: T) => void): void {
  work.then(
    () => done(delivery),
    () => done(delivery),
  );
}

/** A batch entry's schema check of one event; asynchronous schemas are not supported for batches. */
function validated(
  entry: HandlerEntry,
  envelope: EventEnvelope,
): { ok: true; envelope: EventEnvelope } | { ok: false; error: unknown } {
  if (entry.definition === undefined) return { ok: true, envelope };
  try {
    const data = entry.definition.validate(envelope.data);
    if (data instanceof Promise) {
      data.catch(() => undefined);
      return {
        ok: false,
        error: new Error(
          `The schema of ${envelope.type} is asynchronous; batch handlers need a synchronous one.`,
        ),
      };
    }
    return { ok: true, envelope: data === envelope.data ? envelope : { ...envelope, data } };
  } catch (error) {
    return { ok: false, error };
  }
}
