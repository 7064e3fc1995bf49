import { base } from '../context.ts';
import { type Contender, interleave } from '../measure/interleave.ts';
import { javaProducerContender } from '../measure/java.ts';
import { KAFKA_MIN_RUN_MS, kafkaTargetRuns, type PublishMode, publishContender } from '../measure/publish.ts';
import type { SubjectConfig, SubjectInfo } from '../subjects/types.ts';
import { PAYLOADS, type Scenario } from './types.ts';

const IN_FLIGHT = 1_000;

export function defaultConfig(transport: string): SubjectConfig {
  return transport === 'kafka' ? { preset: 'durable' } : {};
}

/**
 * Records for one Java run: enough that JVM start and JIT warm-up do not dominate its rate,
 * capped at ~100 MB of payload per run so the 1 KiB runs do not fill the broker's disk.
 */
export const javaRecords = (quick: boolean, count: number, payloadBytes = 100): number =>
  quick ? count * 2 : Math.min(Math.max(200_000, count * 4), Math.floor(100_000_000 / payloadBytes));

/**
 * Modes a transport is measured in. `batch` (the client's batch call: `publishBatch`, `sendBatch`,
 * `send` of many messages) on Kafka only: nats.js and ioredis have no batch call, they pipeline
 * single publishes (the `concurrent` rows).
 */
const modesOf = (transport: string): readonly PublishMode[] =>
  transport === 'kafka'
    ? ['sequential', 'concurrent', 'batch', 'emit']
    : ['sequential', 'concurrent', 'emit'];

/** Whether a subject runs in a mode: not a peer for other modes only (`platformatic+each`). */
const runsIn = (subject: SubjectInfo, mode: PublishMode): boolean =>
  subject.onlyPublishModes === undefined || subject.onlyPublishModes.includes(mode);

/**
 * Awaited one by one, N concurrent, batch calls (Kafka) and fire-and-forget; every subject of the
 * transport, same broker.
 */
export const publishScenario: Scenario = {
  id: 'publish',
  family: 'publish',
  title:
    'Publish throughput: awaited sequential, concurrent (1,000 in flight), batch calls of 1,000 (Kafka), fire-and-forget',
  transports: ['kafka', 'nats', 'redis'],
  async run(ctx, transport) {
    const { available, missing } = await ctx.subjects(transport, { extras: true, publishShapes: true });
    const counts: Record<PublishMode, number> = {
      sequential: ctx.quick ? 300 : 2_000,
      concurrent: ctx.quick ? 10_000 : Number(process.env.BENCH_PUBLISH_COUNT ?? 50_000),
      batch: ctx.quick ? 10_000 : Number(process.env.BENCH_PUBLISH_COUNT ?? 50_000),
      emit: ctx.quick ? 10_000 : 50_000,
    };
    const config = defaultConfig(transport);
    for (const payloadBytes of PAYLOADS(ctx.quick)) {
      for (const mode of modesOf(transport)) {
        const scenario = `publish-${mode}`;
        for (const m of missing.filter((s) => runsIn(s, mode))) {
          ctx.skip(
            { ...base('publish', transport, m, payloadBytes, counts[mode], config), scenario },
            m.reason,
          );
        }
        const long = longRuns(transport, mode);
        const contenders: Contender[] = available
          .filter((s) => runsIn(s, mode))
          .map((subject) =>
            publishContender(ctx, {
              family: 'publish',
              transport,
              subject,
              mode,
              payloadBytes,
              count: counts[mode],
              inFlight: IN_FLIGHT,
              config,
              scenario,
              ...(long ? { minRunMs: KAFKA_MIN_RUN_MS } : {}),
            }),
          );
        if (transport === 'kafka' && mode === 'concurrent') {
          contenders.push(
            javaProducerContender(ctx, {
              scenario,
              family: 'publish',
              payloadBytes,
              count: javaRecords(ctx.quick, counts[mode], payloadBytes),
              config,
            }),
          );
        }
        await interleave(ctx, contenders, long ? kafkaTargetRuns(ctx) : ctx.runs);
      }
    }
  },
};

/**
 * Kafka's concurrent and batch-call modes: in a full run, runs of at least a second, five of them
 * (`--quick` keeps its short runs: publishContender and kafkaTargetRuns check it).
 * Its rates are the highest here (a batch call of 1,000 at ~370,000/s: 50,000 events were 135 ms),
 * and issue 14's rows compare them within a few percent. Sequential runs are round-trip bound and
 * long already. Not `emit`: a second of fire-and-forget events at 1 KiB (~97,000) is more than the
 * publish buffer holds (64 MiB), and the bus then rejects the emits beyond it, as it should.
 */
const longRuns = (transport: string, mode: PublishMode): boolean =>
  transport === 'kafka' && (mode === 'concurrent' || mode === 'batch');
