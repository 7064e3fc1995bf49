import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerInfo,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  ReplayPolicy,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { EventBusError } from '@switchyard/core';
import type { ConsumeRequest } from '@switchyard/core/transport';
import { durableNameFor } from './names.ts';
import type { ResolvedNatsOptions } from './options.ts';

/** The lease a delivery gets before JetStream redelivers it: `ackWaitMs`, capped by the subscription's `ackTimeoutMs`. */
export function leaseMs(request: ConsumeRequest, options: ResolvedNatsOptions): number {
  return Math.max(1_000, Math.min(options.ackWaitMs, request.ackTimeoutMs));
}

/**
 * The durable pull consumer of a group, shared by every instance of it: explicit acks, the lease as
 * `ack_wait`, `max_deliver` a little above core's attempts (core dead-letters first), the start
 * position from `startFrom`. Only settings 2.9 understands are used.
 */
export function desiredConsumer(
  request: ConsumeRequest,
  options: ResolvedNatsOptions,
  filter: boolean,
): Partial<ConsumerConfig> {
  const config: Partial<ConsumerConfig> = {
    durable_name: durableNameFor(filter ? `${request.group}-${request.topic}` : request.group),
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(leaseMs(request, options)),
    // Unlimited (-1) when core asks for it: core settles every event itself (handled, dead-lettered or
    // acknowledged as dropped), so the server must never park one silently after max_deliver.
    max_deliver: Number.isFinite(request.maxDeliveries)
      ? request.maxDeliveries + options.maxDeliverSlack
      : -1,
    max_ack_pending: options.maxAckPending,
    deliver_policy: request.startFrom === 'latest' ? DeliverPolicy.New : DeliverPolicy.All,
    replay_policy: ReplayPolicy.Instant,
  };
  // A stream that holds other subjects too (a user's `orders.>` stream) needs a filter; ours hold one subject.
  if (filter) config.filter_subject = request.topic;
  return config;
}

const UPDATABLE = ['ack_wait', 'max_deliver', 'max_ack_pending'] as const;

/**
 * Creates the group's consumer, or brings an existing one in line with the settings that can
 * change (lease, max deliveries, ack pending). Where a group starts is fixed when it is created.
 */
export async function ensureGroupConsumer(
  jsm: JetStreamManager,
  stream: string,
  request: ConsumeRequest,
  options: ResolvedNatsOptions,
): Promise<ConsumerInfo> {
  const info = await jsm.streams.info(stream);
  const subjects = info.config.subjects ?? [];
  const filter = !(subjects.length === 1 && subjects[0] === request.topic);
  const desired = desiredConsumer(request, options, filter);
  const name = desired.durable_name!;
  const existing = await consumerInfo(jsm, stream, name);
  if (existing === undefined) {
    try {
      return await jsm.consumers.add(stream, desired);
    } catch (error) {
      // Another instance of the group created it in between: use theirs.
      const raced = await consumerInfo(jsm, stream, name);
      if (raced === undefined) throw error;
      return raced;
    }
  }
  if (existing.config.deliver_subject) {
    throw new EventBusError(
      'TOPIC_MISMATCH',
      `Consumer ${name} on stream ${stream} is a push consumer; Switchyard groups need a pull consumer. Delete it or choose another group.`,
      {
        details: { stream, consumer: name },
      },
    );
  }
  const changes = UPDATABLE.filter((field) => existing.config[field] !== desired[field]);
  if (changes.length === 0) return existing;
  return jsm.consumers.update(
    stream,
    name,
    Object.fromEntries(changes.map((field) => [field, desired[field]])),
  );
}

async function consumerInfo(
  jsm: JetStreamManager,
  stream: string,
  name: string,
): Promise<ConsumerInfo | undefined> {
  try {
    return await jsm.consumers.info(stream, name);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound)
      return undefined;
    throw error;
  }
}
