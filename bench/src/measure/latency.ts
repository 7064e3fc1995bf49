import { base, errorText, figures, type RunContext } from '../context.ts';
import { EMPTY_FIGURES } from '../results.ts';
import type { LatencySummary } from '../stats.ts';
import { round, spread } from '../stats.ts';
import type { Subject, SubjectConfig } from '../subjects/types.ts';

export interface LatencySpec {
  readonly family: string;
  readonly transport: string;
  readonly subject: Subject;
  readonly payloadBytes: number;
  /** Each rate, events per second, with how many events a run sends at it. */
  readonly rates: ReadonlyArray<{ readonly rate: number; readonly count: number }>;
  readonly config: SubjectConfig;
  readonly scenario?: string;
}

interface Expectation {
  received: number;
  firstAt: number;
  lastAt: number;
  latency: LatencySummary | undefined;
}

/**
 * End-to-end latency: a consumer process and a producer process; the producer sends at a fixed
 * rate (open loop) with its wall-clock send time in the payload, the consumer records receive −
 * send per event. Warm-up events (phase −1) first, until the consumer sees them all.
 */
export async function measureLatency(ctx: RunContext, spec: LatencySpec): Promise<void> {
  const label = `${spec.subject.label}, ${spec.payloadBytes} B`;
  const rowFor = (rate: number, count: number) =>
    base(spec.family, spec.transport, spec.subject, spec.payloadBytes, count, {
      ...spec.config,
      ratePerSec: rate,
    });
  const scenario = spec.scenario === undefined ? {} : { scenario: spec.scenario };
  let consumer: Awaited<ReturnType<RunContext['worker']>> | undefined;
  let producer: Awaited<ReturnType<RunContext['worker']>> | undefined;
  let topic: string | undefined;
  try {
    consumer = await ctx.worker('consumer', spec.transport, spec.subject.id);
    producer = await ctx.worker('producer', spec.transport, spec.subject.id);
    topic = ctx.topic(`lat_${spec.subject.id}`);
    await consumer.call('prepareTopic', { topic, partitions: 3, config: spec.config }, 60_000);
    await consumer.call('openConsumer', { config: spec.config }, 60_000);
    await producer.call('openProducer', { config: spec.config }, 60_000);
    await consumer.call('subscribe', { topic, group: `g_${topic}` }, 60_000);
    const warm = ctx.quick ? 300 : 1_000;
    ctx.progress(label, `warm-up, waiting for ${warm.toLocaleString('en')} events…`);
    const warmed = consumer.call<Expectation>(
      'expect',
      { phase: -1, count: warm, timeoutMs: 60_000 },
      70_000,
    );
    await producer.call(
      'sendAtRate',
      { topic, rate: 1_000, count: warm, phase: -1, payloadBytes: spec.payloadBytes },
      60_000,
    );
    const w = await warmed;
    if (w.received < warm)
      throw new Error(`only ${w.received} of ${warm} warm-up events arrived within 60 s`);

    let phase = 0;
    const results: Array<{
      rate: number;
      count: number;
      runs: Array<Expectation & { sent: number; errors: number }>;
    }> = [];
    for (const { rate, count } of spec.rates) {
      const runs: Array<Expectation & { sent: number; errors: number }> = [];
      for (let r = 0; r < ctx.runs; r++) {
        phase++;
        const seconds = count / rate;
        ctx.progress(
          label,
          `${rate.toLocaleString('en')}/s, run ${r + 1}/${ctx.runs}, waiting for ${count.toLocaleString('en')} events…`,
        );
        const timeoutMs = seconds * 1000 + 15_000;
        const expected = consumer.call<Expectation>(
          'expect',
          { phase, count, timeoutMs },
          timeoutMs + 10_000,
        );
        const sent = await producer.call<{ sent: number; errors: number; firstError?: string }>(
          'sendAtRate',
          { topic, rate, count, phase, payloadBytes: spec.payloadBytes },
          timeoutMs,
        );
        if (sent.errors > 0) ctx.log(`  ${sent.errors} sends failed; first: ${sent.firstError}`);
        const e = await expected;
        if ((e as { tail?: unknown }).tail !== undefined)
          ctx.log(`  slowest [index, ms, at ms]: ${JSON.stringify((e as { tail?: unknown }).tail)}`);
        runs.push({ ...e, sent: sent.sent, errors: sent.errors });
      }
      results.push({ rate, count, runs });
    }
    const producerRss = await ctx.stop(producer);
    const consumerRss = await ctx.stop(consumer);
    // The next measurement (often the next subject's, at once) must not share the broker with this
    // one's leftovers: e.g. on NATS the stream's duplicate window holds every event id for 2 minutes.
    // BENCH_KEEP_TOPICS=1 keeps them until the scenario ends, as before (a debugging aid: A/B).
    if (process.env.BENCH_KEEP_TOPICS !== '1') await ctx.dropTopic(spec.transport, topic);
    for (const { rate, count, runs } of results) {
      const measured = runs.filter((r) => r.latency !== undefined);
      const rates = measured.map((r) => ((r.received - 1) * 1000) / Math.max(1e-3, r.lastAt - r.firstAt));
      const delivered = Math.min(...runs.map((r) => r.received / Math.max(1, r.sent)));
      ctx.add({
        ...rowFor(rate, count),
        ...EMPTY_FIGURES,
        ...figures(
          rates,
          spec.payloadBytes,
          measured.map((r) => r.latency!),
        ),
        runs: runs.length,
        rssMb: Math.max(producerRss ?? 0, consumerRss ?? 0) || null,
        producerRssMb: producerRss,
        consumerRssMb: consumerRss,
        delivered: round(delivered, 4),
        ...scenario,
        ...(measured.length < runs.length ? { note: 'some runs received nothing' } : {}),
      });
    }
  } catch (error) {
    for (const w of [producer, consumer]) if (w !== undefined) await ctx.stop(w).catch(() => undefined);
    if (topic !== undefined) await ctx.dropTopic(spec.transport, topic);
    for (const { rate, count } of spec.rates)
      ctx.skip({ ...rowFor(rate, count), ...scenario }, `failed: ${errorText(error)}`);
  }
}

export { spread };
