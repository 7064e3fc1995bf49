import { base, errorText, figures, type RunContext } from '../context.ts';
import { EMPTY_FIGURES } from '../results.ts';
import type { Subject, SubjectConfig } from '../subjects/types.ts';

export type PublishMode = 'sequential' | 'concurrent' | 'emit';

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
}

/** Producer alone in its own process: warm-up, then `ctx.runs` timed runs of `count` events. */
export async function measurePublish(ctx: RunContext, spec: PublishSpec): Promise<void> {
  const config = {
    ...spec.config,
    mode: spec.mode,
    ...(spec.mode === 'concurrent' ? { inFlight: spec.inFlight } : {}),
    ...(spec.tracing === undefined ? {} : { tracing: spec.tracing }),
  };
  const row = base(spec.family, spec.transport, spec.subject, spec.payloadBytes, spec.count, config);
  const label = `${spec.subject.label}, ${spec.mode}, ${spec.payloadBytes} B`;
  let worker: Awaited<ReturnType<RunContext['worker']>> | undefined;
  try {
    worker = await ctx.worker('producer', spec.transport, spec.subject.id, {
      ...(spec.tracing === undefined ? {} : { tracing: spec.tracing }),
    });
    const topic = ctx.topic(`pub_${spec.subject.id}`);
    await worker.call(
      'prepareTopic',
      { topic, partitions: spec.partitions ?? 3, config: spec.config },
      60_000,
    );
    const producerConfig =
      spec.tracing === undefined ? spec.config : { ...spec.config, tracing: spec.tracing };
    await worker.call('openProducer', { config: producerConfig }, 60_000);
    const budget = (n: number) => 60_000 + n * (spec.mode === 'sequential' ? 50 : 2);
    const warmup = Math.max(50, Math.ceil(spec.count / 5));
    ctx.progress(label, `warm-up, ${warmup.toLocaleString('en')} events…`);
    await worker.call('publish', { ...publishArgs(spec, topic, warmup), phase: -1 }, budget(warmup));
    const rates: number[] = [];
    for (let r = 0; r < ctx.runs; r++) {
      ctx.progress(label, `run ${r + 1}/${ctx.runs}, publishing ${spec.count.toLocaleString('en')} events…`);
      const result = await worker.call<{ elapsedMs: number; count: number }>(
        'publish',
        { ...publishArgs(spec, topic, spec.count), phase: r },
        budget(spec.count),
      );
      rates.push((result.count * 1000) / result.elapsedMs);
    }
    const rss = await ctx.stop(worker);
    ctx.add({
      ...row,
      ...EMPTY_FIGURES,
      ...figures(rates, spec.payloadBytes),
      runs: rates.length,
      rssMb: rss,
      producerRssMb: rss,
      ...(spec.scenario === undefined ? {} : { scenario: spec.scenario }),
    });
  } catch (error) {
    if (worker !== undefined) await ctx.stop(worker).catch(() => undefined);
    ctx.skip(
      { ...row, ...(spec.scenario === undefined ? {} : { scenario: spec.scenario }) },
      `failed: ${errorText(error)}`,
    );
  }
}

function publishArgs(spec: PublishSpec, topic: string, count: number) {
  return { topic, mode: spec.mode, count, payloadBytes: spec.payloadBytes, inFlight: spec.inFlight };
}
