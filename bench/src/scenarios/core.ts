import { base, errorText, figures, type RunContext } from '../context.ts';
import type { InprocResult } from '../inproc.ts';
import { EMPTY_FIGURES } from '../results.ts';
import type { TracingMode } from '../tracing.ts';
import { PAYLOADS, type Scenario } from './types.ts';

const BARE = { id: 'bare-loop', label: 'bare loop (JSON + keyed queue)', kind: 'raw' as const };
const SWITCHYARD = { id: 'switchyard', label: 'Switchyard (memory)', kind: 'switchyard' as const };

/** Publish → handle in one process, in its own worker so tracing globals never leak between rows. */
export async function measureInproc(
  ctx: RunContext,
  family: string,
  subject: typeof BARE | typeof SWITCHYARD,
  tracing: TracingMode,
  payloadBytes: number,
): Promise<void> {
  const events = ctx.quick ? 100_000 : 300_000;
  const config = { codec: 'json', tracing, concurrency: 16, ordering: 'key' };
  const row = base(family, 'memory', subject, payloadBytes, events, config);
  const label = `${subject.label}, tracing ${tracing}, ${payloadBytes} B`;
  try {
    const worker = await ctx.worker('inproc', 'memory', 'none');
    ctx.progress(label, `warm-up then ${ctx.runs} run(s) of ${events.toLocaleString('en')} events…`);
    const result = await worker.call<InprocResult>(
      'inproc',
      {
        subject: subject.id === 'bare-loop' ? 'bare' : 'switchyard',
        tracing,
        events,
        warmupEvents: Math.ceil(events / 3),
        runs: ctx.runs,
        payloadBytes,
        concurrency: 16,
        chunk: 1_000,
      },
      60_000 + ctx.runs * 60_000,
    );
    const rss = await ctx.stop(worker);
    ctx.add({
      ...row,
      config: { ...result.config, exportedSpans: result.exportedSpans },
      ...EMPTY_FIGURES,
      ...figures(
        result.runs.map((r) => (r.events * 1000) / r.elapsedMs),
        payloadBytes,
      ),
      runs: result.runs.length,
      rssMb: rss,
      producerRssMb: rss,
      consumerRssMb: rss,
      delivered: 1,
    });
  } catch (error) {
    ctx.skip(row, `failed: ${errorText(error)}`);
  }
}

export const coreScenario: Scenario = {
  id: 'core',
  family: 'core',
  title: 'In-memory publish → handle in one process (JSON codec, tracing off)',
  transports: ['memory'],
  async run(ctx) {
    for (const payload of PAYLOADS(ctx.quick)) {
      await measureInproc(ctx, 'core', BARE, 'off', payload);
      await measureInproc(ctx, 'core', SWITCHYARD, 'off', payload);
    }
  },
};

export { BARE, SWITCHYARD };
