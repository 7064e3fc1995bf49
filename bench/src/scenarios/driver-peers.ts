import type { RunContext } from '../context.ts';
import type { MissingSubject, Subject, SubjectInfo } from '../subjects/types.ts';

/**
 * Extra subjects that join the default ones where a scenario compares each Kafka driver with its
 * own raw client: raw @platformatic/kafka beside the platformatic driver (raw kafkajs is a default
 * subject already). The other extras (CE-header and same-work variants) belong to publish/consume.
 */
const DRIVER_RAW_PEERS = new Set(['platformatic']);

/**
 * Same-work consume peers that also run end to end (latency scenario): their producer sends what
 * Switchyard sends (NATS: the CloudEvents headers and the event id as `Nats-Msg-Id`, like
 * `nats.js+ce`) and their consumer does a subscription's work, so the pair is Switchyard's peer at
 * the same wire and the same consumer work (issue 15's NATS p99 target compares with it).
 */
const LATENCY_SAME_WORK_PEERS = new Set(['nats.js+same']);

/** Whether a subject runs in a driver-compared scenario (`sameWork`: the latency scenario's same-work peers too). */
export function joinsDriverScenario(subject: SubjectInfo, options: { sameWork?: boolean } = {}): boolean {
  if (options.sameWork === true && LATENCY_SAME_WORK_PEERS.has(subject.id)) return true;
  return subject.consumeOnly !== true && (subject.extra !== true || DRIVER_RAW_PEERS.has(subject.id));
}

export async function subjectsWithDriverPeers(
  ctx: RunContext,
  transport: string,
  options: { sameWork?: boolean } = {},
): Promise<{ available: Subject[]; missing: MissingSubject[] }> {
  const all = await ctx.subjects(transport, { extras: true, consume: options.sameWork === true });
  return {
    available: all.available.filter((s) => joinsDriverScenario(s, options)),
    missing: all.missing.filter((s) => joinsDriverScenario(s, options)),
  };
}
