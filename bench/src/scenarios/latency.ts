import { base } from '../context.ts';
import { measureLatencies } from '../measure/latency.ts';
import type { SubjectConfig } from '../subjects/types.ts';
import { subjectsWithDriverPeers } from './driver-peers.ts';
import { PAYLOADS, type Scenario } from './types.ts';

export const latencyRates = (quick: boolean) =>
  process.env.BENCH_RATES !== undefined
    ? // BENCH_RATES=1000:5000,100:1000 — rate:count pairs instead of the defaults (a debugging aid)
      process.env.BENCH_RATES.split(',').map((pair) => {
        const [rate, count] = pair.split(':').map(Number);
        return { rate: rate!, count: count ?? rate! * 5 };
      })
    : quick
      ? [{ rate: 1_000, count: 2_000 }]
      : [
          { rate: 100, count: 1_000 },
          { rate: 1_000, count: 5_000 },
          { rate: 10_000, count: 30_000 },
        ];

/**
 * Runs per rate: at 1,000/s and 10,000/s at least 5 in a full run. A p99 there moves by several
 * times between runs on the shared cores (NATS at 10,000/s: 5–55 ms for one subject in one full
 * run), and the targets compare those medians; more interleaved runs steady them.
 */
export const latencyRuns = (ctx: { readonly quick: boolean; readonly runs: number }, rate: number): number =>
  !ctx.quick && rate >= 1_000 ? Math.max(ctx.runs, 5) : ctx.runs;

/** Kafka runs the `latency` preset here (issue 4's target is for it); NATS its default. */
export const latencyConfig = (transport: string): SubjectConfig =>
  transport === 'kafka' ? { preset: 'latency', ...kafkaOverrides() } : {};

/** BENCH_KAFKA='{"commitIntervalMs":1000}': fields added to the Kafka config (a debugging aid). */
export const kafkaOverrides = (): SubjectConfig =>
  process.env.BENCH_KAFKA === undefined ? {} : (JSON.parse(process.env.BENCH_KAFKA) as SubjectConfig);

export const latencyScenario: Scenario = {
  id: 'latency',
  family: 'latency',
  title: 'End-to-end latency at fixed rates (producer and consumer in separate processes)',
  transports: ['kafka', 'nats', 'redis'],
  async run(ctx, transport) {
    // The same-work peers join here (NATS: `nats.js+same`, same wire and consumer work as Switchyard).
    const { available, missing } = await subjectsWithDriverPeers(ctx, transport, { sameWork: true });
    const config = latencyConfig(transport);
    for (const payloadBytes of PAYLOADS(ctx.quick)) {
      for (const m of missing) {
        for (const { rate, count } of latencyRates(ctx.quick)) {
          ctx.skip(
            base('latency', transport, m, payloadBytes, count, { ...config, ratePerSec: rate }),
            m.reason,
          );
        }
      }
      // All subjects of a payload interleaved, run by run (see measureLatencies).
      await measureLatencies(
        ctx,
        available.map((subject) => ({
          family: 'latency',
          transport,
          subject,
          payloadBytes,
          rates: latencyRates(ctx.quick),
          config,
        })),
        (rate) => latencyRuns(ctx, rate),
      );
    }
  },
};
