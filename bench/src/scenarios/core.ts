import { base, figures, type RunContext } from '../context.ts';
import { type Contender, interleave } from '../measure/interleave.ts';
import { EMPTY_FIGURES } from '../results.ts';
import type { Worker } from '../rpc.ts';
import type { TracingMode } from '../tracing.ts';
import { PAYLOADS, type Scenario } from './types.ts';

export const BARE = { id: 'bare-loop', label: 'bare loop (JSON + keyed queue)', kind: 'raw' as const };
export const SWITCHYARD = { id: 'switchyard', label: 'Switchyard (memory)', kind: 'switchyard' as const };

/** Publish → handle in one process, in its own worker so tracing globals never leak between rows. */
export function inprocContender(
  ctx: RunContext,
  family: string,
  subject: typeof BARE | typeof SWITCHYARD,
  tracing: TracingMode,
  payloadBytes: number,
): Contender {
  const events = ctx.quick ? 100_000 : 300_000;
  const row = base(family, 'memory', subject, payloadBytes, events, {
    codec: 'json',
    tracing,
    concurrency: 16,
    ordering: 'key',
  });
  const name = `${subject.label}, tracing ${tracing}, ${payloadBytes} B`;
  let worker: Worker | undefined;
  let config: Record<string, unknown> = {};
  return {
    name,
    async setup() {
      worker = await ctx.worker('inproc', 'memory', 'none');
      ctx.progress(name, `warm-up, ${Math.ceil(events / 3).toLocaleString('en')} events…`);
      config = await worker.call<Record<string, unknown>>(
        'inprocOpen',
        {
          subject: subject.id === 'bare-loop' ? 'bare' : 'switchyard',
          tracing,
          events,
          warmupEvents: Math.ceil(events / 3),
          payloadBytes,
          concurrency: 16,
          chunk: 1_000,
        },
        120_000,
      );
    },
    async run(r) {
      const elapsedMs = await worker!.call<number>('inprocRun', { phase: r }, 120_000);
      return { msgPerSec: (events * 1000) / elapsedMs };
    },
    async finish(runs) {
      const spans = await worker!.call<number>('inprocClose', {}, 30_000);
      const rss = await ctx.stop(worker!);
      ctx.add({
        ...row,
        config: { ...config, exportedSpans: spans },
        ...EMPTY_FIGURES,
        ...figures(
          runs.map((x) => x.msgPerSec),
          payloadBytes,
        ),
        runs: runs.length,
        rssMb: rss,
        producerRssMb: rss,
        consumerRssMb: rss,
        delivered: 1,
      });
    },
    async fail(reason) {
      if (worker !== undefined) await ctx.stop(worker).catch(() => undefined);
      ctx.skip(row, reason);
    },
  };
}

export const coreScenario: Scenario = {
  id: 'core',
  family: 'core',
  title: 'In-memory publish → handle in one process (JSON codec, tracing off)',
  transports: ['memory'],
  async run(ctx) {
    for (const payload of PAYLOADS(ctx.quick)) {
      await interleave(ctx, [
        inprocContender(ctx, 'core', BARE, 'off', payload),
        inprocContender(ctx, 'core', SWITCHYARD, 'off', payload),
      ]);
    }
  },
};
