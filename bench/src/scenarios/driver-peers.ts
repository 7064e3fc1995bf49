import type { RunContext } from '../context.ts';
import type { Subject } from '../subjects/types.ts';

/**
 * Extra subjects that join the default ones where a scenario compares each Kafka driver with its
 * own raw client: raw @platformatic/kafka beside the platformatic driver (raw kafkajs is a default
 * subject already). The other extras (CE-header and same-work variants) belong to publish/consume.
 */
const DRIVER_RAW_PEERS = new Set(['platformatic']);

export async function subjectsWithDriverPeers(
  ctx: RunContext,
  transport: string,
): Promise<{ available: Subject[]; missing: Array<{ id: string; reason: string }> }> {
  const all = await ctx.subjects(transport, { extras: true });
  return {
    available: all.available.filter((s) => s.extra !== true || DRIVER_RAW_PEERS.has(s.id)),
    missing: all.missing,
  };
}
