import { interleave } from '../measure/interleave.ts';
import { publishContender } from '../measure/publish.ts';
import { TRACING_MODES } from '../tracing.ts';
import { inprocContender, SWITCHYARD } from './core.ts';
import type { Scenario } from './types.ts';

/** Cost of tracing: the same work with tracing off, API-only, SDK recording nothing, 10 % sampled and always sampled. */
export const tracingScenario: Scenario = {
  id: 'tracing',
  family: 'tracing',
  title: 'Tracing on vs off (OTel SDK, parent-based ratio sampler, BatchSpanProcessor, no-op exporter)',
  transports: ['memory', 'kafka', 'nats'],
  async run(ctx, transport) {
    const modes = ctx.quick ? (['off', 'sampled'] as const) : TRACING_MODES;
    // A cost of a few percent is measured against run-to-run swings of ±10 % or more on this shared
    // machine (JIT luck in one process, the broker on the same cores): more interleaved runs, so the
    // medians hold still. A run is ~1 s in memory and ~1.5 s on Kafka.
    const runs = ctx.quick ? ctx.runs : Math.max(ctx.runs, transport === 'memory' ? 9 : 5);
    if (transport === 'memory') {
      await interleave(
        ctx,
        modes.map((mode) => inprocContender(ctx, 'tracing', SWITCHYARD, mode, 100)),
        runs,
      );
      return;
    }
    // Every Switchyard subject of the transport (on Kafka, both drivers), each against its own `off`.
    const { available } = await ctx.subjects(transport);
    await interleave(
      ctx,
      available
        .filter((s) => s.kind === 'switchyard')
        .flatMap((subject) =>
          modes.map((mode) =>
            publishContender(ctx, {
              family: 'tracing',
              transport,
              subject,
              mode: 'concurrent',
              payloadBytes: 100,
              // 50k-event runs last a third of a second on Kafka: too short to tell 5 % from noise here.
              count: ctx.quick ? 10_000 : 200_000,
              inFlight: 1_000,
              config: transport === 'kafka' ? { preset: 'durable' } : {},
              tracing: mode,
            }),
          ),
        ),
      runs,
    );
  },
};
