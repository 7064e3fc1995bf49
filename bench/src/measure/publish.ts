import { base, figures, type RunContext } from '../context.ts';
import { EMPTY_FIGURES } from '../results.ts';
import type { Worker } from '../rpc.ts';
import type { Subject, SubjectConfig } from '../subjects/types.ts';
import { type Contender, interleave } from './interleave.ts';

export type PublishMode = 'sequential' | 'concurrent' | 'emit' | 'batch';

export interface PublishSpec {
  readonly family: string;
  readonly transport: string;
  readonly subject: Subject;
  readonly mode: PublishMode;
  readonly payloadBytes: number;
  readonly count: number;
  readonly inFlight: number;
  readonly config: SubjectConfig;
  readonly tracing?: string;
  readonly partitions?: number;
  readonly scenario?: string;
  /** Broker addresses for this contender's worker instead of the run's (the replicated-cluster rows). */
  readonly env?: Record<string, string>;
  /**
   * In a full run (not `--quick`) a timed run lasts at least this long: `count` grows to what the
   * last warm-up round's rate publishes in that time (capped at ~100 MB of payload). Without it a
   * run is `count` events, which at Kafka's batch-call rate was over in 135 ms.
   */
  readonly minRunMs?: number;
}

/**
 * How long a Kafka publish run lasts at least in a full run, and how many runs a Kafka target
 * comparison makes: the batch-call and cluster-preset rows sat within 1–20 % of their peers, with
 * runs of 135–400 ms, three of them, deciding the verdict (bench/README.md, "Run length").
 */
export const KAFKA_MIN_RUN_MS = 1_000;
export const kafkaTargetRuns = (ctx: { readonly quick: boolean; readonly runs: number }): number =>
  ctx.quick ? ctx.runs : Math.max(ctx.runs, 5);

/** Payload bytes one timed run may write at most (the broker's disk over a whole bench run). */
export const RUN_PAYLOAD_CAP_BYTES = 100_000_000;

/**
 * Events in one timed run: `count`, or more where the measured rate would finish it in under
 * `minRunMs` (rounded up to a thousand), never more payload than RUN_PAYLOAD_CAP_BYTES.
 */
export function runCount(count: number, ratePerSec: number, minRunMs: number, payloadBytes: number): number {
  const wanted = Math.ceil((ratePerSec * minRunMs) / 1000 / 1000) * 1000;
  const cap = Math.max(count, Math.floor(RUN_PAYLOAD_CAP_BYTES / payloadBytes));
  return Math.min(Math.max(count, wanted), cap);
}

/** How long a producer publishes before its runs are timed (in rounds of a fifth of a run's events). */
export const WARMUP_MS = 3_000;

/** Producer alone in its own process: warm-up, then timed runs of `count` events. */
export function publishContender(ctx: RunContext, spec: PublishSpec): Contender {
  const config = {
    ...spec.config,
    mode: spec.mode,
    ...(spec.mode === 'concurrent' || spec.mode === 'batch' ? { inFlight: spec.inFlight } : {}),
    ...(spec.tracing === undefined ? {} : { tracing: spec.tracing }),
  };
  // The events of one timed run: spec.count, or more once the warm-up has shown the rate (minRunMs).
  let count = spec.count;
  const rowOf = () => ({
    ...base(spec.family, spec.transport, spec.subject, spec.payloadBytes, count, config),
    ...(spec.scenario === undefined ? {} : { scenario: spec.scenario }),
  });
  const name = `${spec.subject.label}, ${spec.mode}, ${spec.payloadBytes} B${spec.tracing === undefined ? '' : `, tracing ${spec.tracing}`}`;
  const budget = (n: number) => 60_000 + n * (spec.mode === 'sequential' ? 50 : 2);
  const topic = ctx.topic(`pub_${spec.subject.id}`);
  // The warm-up's events go to a topic of their own, deleted when it ends (below): seconds of events
  // at full speed (a gigabyte at 1 KiB) would otherwise stay on the broker for the rest of the
  // scenario (Redis, whose memory is the store, ran out of its 4 GB within the publish scenario).
  const warmTopic = ctx.topic(`pubwarm_${spec.subject.id}`);
  const args = (count: number, phase: number, to = topic) => ({
    topic: to,
    mode: spec.mode,
    count,
    phase,
    payloadBytes: spec.payloadBytes,
    inFlight: spec.inFlight,
  });
  let worker: Worker | undefined;
  return {
    name,
    async setup() {
      worker = await ctx.worker('producer', spec.transport, spec.subject.id, {
        ...(spec.tracing === undefined ? {} : { tracing: spec.tracing }),
        ...(spec.env === undefined ? {} : { env: spec.env }),
      });
      for (const t of [topic, warmTopic])
        await worker.call(
          'prepareTopic',
          { topic: t, partitions: spec.partitions ?? 3, config: spec.config },
          60_000,
        );
      const producerConfig =
        spec.tracing === undefined ? spec.config : { ...spec.config, tracing: spec.tracing };
      await worker.call('openProducer', { config: producerConfig }, 60_000);
      // Warm until the JIT has settled, not for a fixed count: Switchyard's longer path reached its
      // steady CPU per event only after ~200k events at 100 B (raw clients after ~100k), so a
      // 10k warm-up measured it half-compiled (bench/README.md, "Publish warm-up").
      const warmup = Math.max(50, Math.ceil(spec.count / 5));
      ctx.progress(
        name,
        `warm-up, rounds of ${warmup.toLocaleString('en')} events for at least ${WARMUP_MS / 1000} s…`,
      );
      const started = performance.now();
      do await worker.call('publish', args(warmup, -1, warmTopic), budget(warmup));
      while (performance.now() - started < WARMUP_MS);
      // Not on Kafka, which keeps it on disk until the scenario's cleanup: raw kafkajs' producer
      // fails every later lookup once a topic it wrote to is deleted (the adapter works around it).
      if (spec.env === undefined && spec.transport !== 'kafka')
        await ctx.dropTopic(spec.transport, warmTopic);
      // One round on the measured topic, so that its first timed run does not look its metadata up.
      const last = await worker.call<{ elapsedMs: number; count: number }>(
        'publish',
        args(warmup, -1),
        budget(warmup),
      );
      if (spec.minRunMs !== undefined && !ctx.quick && last.elapsedMs > 0)
        count = runCount(spec.count, (last.count * 1000) / last.elapsedMs, spec.minRunMs, spec.payloadBytes);
    },
    async run(r) {
      const result = await worker!.call<{ elapsedMs: number; count: number }>(
        'publish',
        args(count, r),
        budget(count),
      );
      return { msgPerSec: (result.count * 1000) / result.elapsedMs };
    },
    async finish(runs) {
      const rss = await ctx.stop(worker!);
      ctx.add({
        ...rowOf(),
        ...EMPTY_FIGURES,
        ...figures(
          runs.map((x) => x.msgPerSec),
          spec.payloadBytes,
        ),
        runs: runs.length,
        rssMb: rss,
        producerRssMb: rss,
      });
    },
    async fail(reason) {
      if (worker !== undefined) await ctx.stop(worker).catch(() => undefined);
      ctx.skip(rowOf(), reason);
    },
  };
}

export function measurePublish(ctx: RunContext, spec: PublishSpec): Promise<void> {
  return interleave(ctx, [publishContender(ctx, spec)]);
}
