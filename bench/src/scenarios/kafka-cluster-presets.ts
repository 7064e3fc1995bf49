import type { RunContext } from '../context.ts';
import { type Contender, interleave } from '../measure/interleave.ts';
import { kafkaTargetRuns } from '../measure/publish.ts';
import { loadTransport } from '../subjects/registry.ts';
import type { Subject, SubjectConfig } from '../subjects/types.ts';
import { tuningContender } from './kafka-tuning-publish.ts';

/**
 * The replicated rows' topic: the single-broker rows' 3 partitions (one led by each node),
 * three replicas, and `acks: all` needing two of them — what `durable` is for.
 */
export const CLUSTER_TOPIC = { replicationFactor: 3, minInsyncReplicas: 2 } as const;

/** Switchyard on both drivers and each driver's raw client (no Java, no header variants). */
export const CLUSTER_SUBJECTS: readonly string[] = [
  'switchyard',
  'switchyard-platformatic',
  'kafkajs',
  'platformatic',
];

/** `kafka-preset-throughput` → `kafka-cluster-preset-throughput`. */
export const clusterScenario = (name: string): string => `kafka-cluster-${name.replace(/\s+/g, '-')}`;

/**
 * The presets on the 3-node cluster (`KAFKA_CLUSTER_BROKERS`, `infra/up kafka-cluster`): on the
 * single loopback broker `acks: all` waits for no follower, so `durable` and `throughput` send the
 * same requests there; here `all` waits until a second replica has fetched each batch. The presets'
 * runs are interleaved with one another at each payload. Without a reachable cluster every row is
 * recorded as skipped with the reason.
 */
export async function measureClusterPresets(
  ctx: RunContext,
  transport: string,
  available: readonly Subject[],
  presets: ReadonlyArray<{ name: string; config: SubjectConfig }>,
  payloads: readonly number[],
  count: number,
): Promise<void> {
  const brokers = ctx.env.KAFKA_CLUSTER_BROKERS;
  const env = brokers === undefined ? undefined : { ...ctx.env, KAFKA_BROKERS: brokers };
  const unavailable =
    env === undefined
      ? 'KAFKA_CLUSTER_BROKERS is not set (infra/up kafka-cluster)'
      : await loadTransport(transport)
          .then((m) => m.probe(env))
          .then((p) => (p.ok ? undefined : `3-node cluster: ${p.reason}`));
  const subjects = available.filter((s) => CLUSTER_SUBJECTS.includes(s.id));
  for (const payloadBytes of payloads) {
    const contenders: Contender[] = presets.flatMap(({ name, config }) =>
      subjects.map((subject) =>
        tuningContender(ctx, {
          scenario: clusterScenario(name),
          transport,
          subject,
          payloadBytes,
          count,
          config: { ...config, ...CLUSTER_TOPIC },
          ...(env === undefined ? {} : { env }),
        }),
      ),
    );
    if (unavailable === undefined) await interleave(ctx, contenders, kafkaTargetRuns(ctx));
    else for (const c of contenders) await c.fail(unavailable);
  }
}
