import { base, errorText, figures, type RunContext } from '../context.ts';
import { EMPTY_FIGURES } from '../results.ts';
import { round } from '../stats.ts';
import type { Subject, SubjectConfig } from '../subjects/types.ts';

export interface ConsumeSpec {
  readonly family: string;
  readonly transport: string;
  readonly subject: Subject;
  readonly payloadBytes: number;
  readonly count: number;
  readonly config: SubjectConfig;
}

interface Expectation {
  received: number;
  firstAt: number;
  lastAt: number;
}

/**
 * Consume throughput from a pre-filled topic: one producer process fills a warm-up topic and one
 * topic per run (with the subject's own producer, so Switchyard reads Switchyard's wire format);
 * then one consumer process reads each from the beginning. Rate = events / (last − first arrival).
 */
export async function measureConsume(ctx: RunContext, spec: ConsumeSpec): Promise<void> {
  const label = `${spec.subject.label}, ${spec.payloadBytes} B`;
  const row = base(spec.family, spec.transport, spec.subject, spec.payloadBytes, spec.count, spec.config);
  let producer: Awaited<ReturnType<RunContext['worker']>> | undefined;
  let consumer: Awaited<ReturnType<RunContext['worker']>> | undefined;
  try {
    producer = await ctx.worker('producer', spec.transport, spec.subject.id);
    await producer.call('openProducer', { config: spec.config }, 60_000);
    const warm = Math.ceil(spec.count / 5);
    const topics: Array<{ topic: string; phase: number; count: number }> = [
      { topic: ctx.topic(`con_${spec.subject.id}`), phase: -1, count: warm },
    ];
    for (let r = 0; r < ctx.runs; r++)
      topics.push({ topic: ctx.topic(`con_${spec.subject.id}`), phase: r, count: spec.count });
    for (const t of topics) {
      ctx.progress(label, `filling ${t.topic} with ${t.count.toLocaleString('en')} events…`);
      await producer.call('prepareTopic', { topic: t.topic, partitions: 3, config: spec.config }, 60_000);
      await producer.call(
        'publish',
        {
          topic: t.topic,
          mode: 'concurrent',
          count: t.count,
          phase: t.phase,
          payloadBytes: spec.payloadBytes,
          inFlight: 1_000,
        },
        120_000 + t.count * 2,
      );
    }
    const producerRss = await ctx.stop(producer);
    producer = undefined;

    consumer = await ctx.worker('consumer', spec.transport, spec.subject.id);
    await consumer.call('openConsumer', { config: spec.config }, 60_000);
    const rates: number[] = [];
    let delivered = 1;
    for (const t of topics) {
      const what = t.phase < 0 ? 'warm-up' : `run ${t.phase + 1}/${ctx.runs}`;
      ctx.progress(label, `${what}, waiting for ${t.count.toLocaleString('en')} events…`);
      const timeoutMs = 90_000 + t.count;
      const expected = consumer.call<Expectation>(
        'expect',
        { phase: t.phase, count: t.count, timeoutMs },
        timeoutMs + 10_000,
      );
      await consumer.call('subscribe', { topic: t.topic, group: `g_${t.topic}` }, 60_000);
      const e = await expected;
      if (t.phase < 0) continue;
      delivered = Math.min(delivered, e.received / t.count);
      if (e.received > 1) rates.push(((e.received - 1) * 1000) / Math.max(1e-3, e.lastAt - e.firstAt));
    }
    const consumerRss = await ctx.stop(consumer);
    ctx.add({
      ...row,
      ...EMPTY_FIGURES,
      ...figures(rates, spec.payloadBytes),
      runs: rates.length,
      rssMb: consumerRss,
      producerRssMb: producerRss,
      consumerRssMb: consumerRss,
      delivered: round(delivered, 4),
      note: 'rssMb is the consumer process; the filling producer is producerRssMb',
    });
  } catch (error) {
    for (const w of [producer, consumer]) if (w !== undefined) await ctx.stop(w).catch(() => undefined);
    ctx.skip(row, `failed: ${errorText(error)}`);
  }
}
