import { base, errorText, type RunContext } from '../context.ts';
import { EMPTY_FIGURES } from '../results.ts';
import { round, spread } from '../stats.ts';
import type { Subject, SubjectConfig } from '../subjects/types.ts';

export interface PlanSpec {
  readonly transport: string;
  readonly subject: Subject;
  readonly counts: readonly number[];
  readonly windowMs: number;
  readonly payloadBytes: number;
  readonly config: SubjectConfig;
}

/**
 * Runs per N in a full run: at least five. Each run is cheap (a fresh topic, one burst), and a row's
 * median must be a warm figure: with three runs, one of them the pair's cold first run, the median
 * was the slower of two warm runs, and the first-event rows swung by more than the 2 ms they are
 * judged on (bench/README.md, "First event on Kafka").
 */
export const PLAN_MIN_RUNS = 5;

export function planRuns(ctx: Pick<RunContext, 'quick' | 'runs'>): number {
  return ctx.quick ? ctx.runs : Math.max(ctx.runs, PLAN_MIN_RUNS);
}

interface Expectation {
  received: number;
  lastAt: number;
  firstLatencyMs: number | undefined;
}

/**
 * The original plan's method: subscribe, publish N events, count what arrives within the window.
 * Throughput = events arrived / (last arrival − publish start); first-event latency = the first
 * arrival's receive − send time. No warm-up: a fresh topic and group per run, as in the plan.
 */
export async function measurePlan(ctx: RunContext, spec: PlanSpec): Promise<void> {
  const label = `${spec.subject.label}`;
  const rowFor = (n: number) =>
    base('plan', spec.transport, spec.subject, spec.payloadBytes, n, {
      ...spec.config,
      windowMs: spec.windowMs,
    });
  let consumer: Awaited<ReturnType<RunContext['worker']>> | undefined;
  let producer: Awaited<ReturnType<RunContext['worker']>> | undefined;
  try {
    consumer = await ctx.worker('consumer', spec.transport, spec.subject.id);
    producer = await ctx.worker('producer', spec.transport, spec.subject.id);
    await consumer.call('openConsumer', { config: spec.config }, 60_000);
    await producer.call('openProducer', { config: spec.config }, 60_000);
    const results: Array<{
      n: number;
      runs: Array<{ delivered: number; rate: number; first: number | undefined }>;
    }> = [];
    let phase = 0;
    const runCount = planRuns(ctx);
    for (const n of spec.counts) {
      const runs: Array<{ delivered: number; rate: number; first: number | undefined }> = [];
      for (let r = 0; r < runCount; r++) {
        phase++;
        const topic = ctx.topic(`plan_${spec.subject.id}`);
        await consumer.call('prepareTopic', { topic, partitions: 3, config: spec.config }, 60_000);
        await consumer.call('subscribe', { topic, group: `g_${topic}` }, 60_000);
        ctx.progress(
          label,
          `N=${n}, run ${r + 1}/${runCount}, waiting up to ${spec.windowMs / 1000} s for ${n} events…`,
        );
        const started = performance.timeOrigin + performance.now();
        const expected = consumer.call<Expectation>(
          'expect',
          { phase, count: n, timeoutMs: spec.windowMs },
          spec.windowMs + 10_000,
        );
        await producer.call(
          'publish',
          { topic, mode: 'concurrent', count: n, phase, payloadBytes: spec.payloadBytes, inFlight: n },
          spec.windowMs + 30_000,
        );
        const e = await expected;
        runs.push({
          delivered: e.received / n,
          rate: e.received === 0 ? 0 : (e.received * 1000) / Math.max(1, e.lastAt - started),
          first: e.firstLatencyMs,
        });
      }
      results.push({ n, runs });
    }
    const producerRss = await ctx.stop(producer);
    const consumerRss = await ctx.stop(consumer);
    for (const { n, runs } of results) {
      const rate = spread(runs.map((r) => r.rate));
      const firsts = runs.flatMap((r) => (r.first === undefined ? [] : [round(r.first, 2) ?? r.first]));
      const first = spread(firsts);
      ctx.add({
        ...rowFor(n),
        ...EMPTY_FIGURES,
        runs: runs.length,
        msgPerSec: round(rate?.median, 1),
        msgPerSecMin: round(rate?.min, 1),
        msgPerSecMax: round(rate?.max, 1),
        mbPerSec: rate === undefined ? null : round((rate.median * spec.payloadBytes) / 1e6, 3),
        firstEventMs: round(first?.median, 2),
        firstEventRunsMs: firsts,
        delivered: round(Math.min(...runs.map((r) => r.delivered)), 4),
        rssMb: Math.max(producerRss ?? 0, consumerRss ?? 0) || null,
        producerRssMb: producerRss,
        consumerRssMb: consumerRss,
      });
    }
  } catch (error) {
    for (const w of [producer, consumer]) if (w !== undefined) await ctx.stop(w).catch(() => undefined);
    for (const n of spec.counts) ctx.skip(rowFor(n), `failed: ${errorText(error)}`);
  }
}
