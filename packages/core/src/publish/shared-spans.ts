import type { Tracer } from '@opentelemetry/api';
import type { EventEnvelope } from '../envelope.ts';
import { startSharedSendSpan } from '../observability/shared-send-span.ts';
import { activeTracer } from '../observability/tracing.ts';
import type { Pending } from './pending.ts';

/**
 * One `send` span per topic for the batch's events published outside any trace. Two passes and
 * no arrays when they all go to one topic (the usual case); per-event work is one header write.
 */
export function startSharedSpans(batch: readonly Pending[], system: string): void {
  const tracer = activeTracer();
  if (tracer === undefined) return; // the provider went away since they were published
  let topic: string | undefined;
  let count = 0;
  let only: EventEnvelope | undefined;
  for (const pending of batch) {
    if (pending.deferred === undefined) continue;
    if (topic === undefined) topic = pending.topic;
    else if (pending.topic !== topic) {
      startSharedSpansPerTopic(tracer, batch, system);
      return;
    }
    if (count++ === 0) only = pending.deferred;
  }
  if (topic === undefined) return;
  const shared = startSharedSendSpan(tracer, system, topic, count, only);
  for (const pending of batch) {
    if (pending.deferred === undefined) continue;
    pending.shared = shared;
    shared.writeTo(pending.headers);
  }
}

/** The same for a batch whose untraced events go to several topics. */
function startSharedSpansPerTopic(tracer: Tracer, batch: readonly Pending[], system: string): void {
  const byTopic = new Map<string, Pending[]>();
  for (const pending of batch) {
    if (pending.deferred === undefined) continue;
    const group = byTopic.get(pending.topic);
    if (group === undefined) byTopic.set(pending.topic, [pending]);
    else group.push(pending);
  }
  for (const [topic, group] of byTopic) {
    const only = group.length === 1 ? group[0]!.deferred : undefined;
    const shared = startSharedSendSpan(tracer, system, topic, group.length, only);
    for (const pending of group) {
      pending.shared = shared;
      shared.writeTo(pending.headers);
    }
  }
}
