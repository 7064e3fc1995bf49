import { base, errorText, figures, type RunContext } from '../context.ts';
import { EMPTY_FIGURES } from '../results.ts';
import type { LatencySummary } from '../stats.ts';
import { round, spread } from '../stats.ts';
import type { Subject, SubjectConfig } from '../subjects/types.ts';
import { rotated } from './interleave.ts';

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

type Run = Expectation & { sent: number; errors: number };
type BenchWorker = Awaited<ReturnType<RunContext['worker']>>;

/**
 * One subject's consumer and producer processes on a topic of their own, warmed up: it runs at
 * any rate, in any order, until closed. Warm-up events (phase −1) first, until the consumer sees them all.
 */
class LatencySession {
  readonly ctx: RunContext;
  readonly spec: LatencySpec;
  readonly label: string;
  readonly runs = new Map<number, Run[]>();
  #consumer: BenchWorker | undefined;
  #producer: BenchWorker | undefined;
  #topic: string | undefined;
  #phase = 0;

  constructor(ctx: RunContext, spec: LatencySpec) {
    this.ctx = ctx;
    this.spec = spec;
    this.label = `${spec.subject.label}, ${spec.payloadBytes} B`;
  }

  async open(): Promise<void> {
    const { ctx, spec } = this;
    this.#consumer = await ctx.worker('consumer', spec.transport, spec.subject.id);
    this.#producer = await ctx.worker('producer', spec.transport, spec.subject.id);
    const topic = ctx.topic(`lat_${spec.subject.id}`);
    this.#topic = topic;
    await this.#consumer.call('prepareTopic', { topic, partitions: 3, config: spec.config }, 60_000);
    await this.#consumer.call('openConsumer', { config: spec.config }, 60_000);
    await this.#producer.call('openProducer', { config: spec.config }, 60_000);
    await this.#consumer.call('subscribe', { topic, group: `g_${topic}` }, 60_000);
    const warm = ctx.quick ? 300 : 1_000;
    ctx.progress(this.label, `warm-up, waiting for ${warm.toLocaleString('en')} events…`);
    const warmed = this.#consumer.call<Expectation>(
      'expect',
      { phase: -1, count: warm, timeoutMs: 60_000 },
      70_000,
    );
    await this.#producer.call(
      'sendAtRate',
      { topic, rate: 1_000, count: warm, phase: -1, payloadBytes: spec.payloadBytes },
      60_000,
    );
    const w = await warmed;
    if (w.received < warm)
      throw new Error(`only ${w.received} of ${warm} warm-up events arrived within 60 s`);
  }

  /** One timed run: `count` events sent at `rate` per second, each one's latency recorded by the consumer. */
  async run(rate: number, count: number, progress: string): Promise<void> {
    const { ctx, spec } = this;
    const phase = ++this.#phase;
    const timeoutMs = (count / rate) * 1000 + 15_000;
    ctx.progress(
      this.label,
      `${rate.toLocaleString('en')}/s, ${progress}, waiting for ${count.toLocaleString('en')} events…`,
    );
    const expected = this.#consumer!.call<Expectation>(
      'expect',
      { phase, count, timeoutMs },
      timeoutMs + 10_000,
    );
    const sent = await this.#producer!.call<{ sent: number; errors: number; firstError?: string }>(
      'sendAtRate',
      { topic: this.#topic, rate, count, phase, payloadBytes: spec.payloadBytes },
      timeoutMs,
    );
    if (sent.errors > 0) ctx.log(`  ${sent.errors} sends failed; first: ${sent.firstError}`);
    const e = await expected;
    if ((e as { tail?: unknown }).tail !== undefined)
      ctx.log(`  slowest [index, ms, at ms]: ${JSON.stringify((e as { tail?: unknown }).tail)}`);
    const runs = this.runs.get(rate) ?? [];
    runs.push({ ...e, sent: sent.sent, errors: sent.errors });
    this.runs.set(rate, runs);
  }

  /**
   * Stops both processes (the peak RSS of each) and deletes the topic, also after a failure: a
   * measurement must not leave the broker its leftovers (on NATS the stream's duplicate window holds
   * every event id for 2 minutes). BENCH_KEEP_TOPICS=1 keeps them until the scenario ends (A/B aid).
   */
  async close(failed: boolean): Promise<{ producerRss: number | null; consumerRss: number | null }> {
    const stop = async (w: BenchWorker | undefined) =>
      w === undefined ? null : failed ? this.ctx.stop(w).catch(() => null) : this.ctx.stop(w);
    const producerRss = await stop(this.#producer);
    const consumerRss = await stop(this.#consumer);
    if (this.#topic !== undefined && (failed || process.env.BENCH_KEEP_TOPICS !== '1'))
      await this.ctx.dropTopic(this.spec.transport, this.#topic);
    return { producerRss: producerRss ?? null, consumerRss: consumerRss ?? null };
  }
}

/**
 * End-to-end latency: per subject a consumer process and a producer process; the producer sends at
 * a fixed rate (open loop) with its wall-clock send time in the payload, the consumer records
 * receive − send per event.
 *
 * Several subjects (specs with the same rates) are measured interleaved, as `interleave` does for
 * throughput: every subject's processes are opened and warmed first, then at each rate run 1 of
 * each subject, run 2 of each (starting one subject later each round), and so on. A burst of load
 * from elsewhere on the shared cores then lands on all subjects' runs alike, instead of on one
 * subject's whole row as when each subject ran all its runs in turn. `runsAt(rate)` (default: the
 * bench's `--runs`) asks for more runs where the differences are small next to the noise.
 */
export async function measureLatencies(
  ctx: RunContext,
  specs: readonly LatencySpec[],
  runsAt: (rate: number) => number = () => ctx.runs,
): Promise<void> {
  const live: LatencySession[] = [];
  const fail = async (session: LatencySession, reason: string) => {
    live.splice(live.indexOf(session), 1);
    await session.close(true);
    const scenario = session.spec.scenario === undefined ? {} : { scenario: session.spec.scenario };
    for (const { rate, count } of session.spec.rates)
      ctx.skip({ ...rowFor(session.spec, rate, count), ...scenario }, reason);
  };
  for (const spec of specs) {
    const session = new LatencySession(ctx, spec);
    live.push(session);
    try {
      await session.open();
    } catch (error) {
      await fail(session, `failed: ${errorText(error)}`);
    }
  }
  const rates = specs[0]?.rates ?? [];
  for (let i = 0; i < rates.length; i++) {
    const runs = runsAt(rates[i]!.rate);
    for (let r = 0; r < runs; r++) {
      const order = rotated(live, r);
      for (const session of order) {
        if (!live.includes(session)) continue;
        const own = session.spec.rates[i]!;
        try {
          await session.run(own.rate, own.count, `run ${r + 1}/${runs}`);
        } catch (error) {
          await fail(session, `failed: ${errorText(error)}`);
        }
      }
    }
  }
  for (const session of [...live]) {
    const { producerRss, consumerRss } = await session.close(false);
    record(ctx, session, producerRss, consumerRss);
  }
}

const rowFor = (spec: LatencySpec, rate: number, count: number) =>
  base(spec.family, spec.transport, spec.subject, spec.payloadBytes, count, {
    ...spec.config,
    ratePerSec: rate,
  });

function record(
  ctx: RunContext,
  session: LatencySession,
  producerRss: number | null,
  consumerRss: number | null,
) {
  const { spec } = session;
  const scenario = spec.scenario === undefined ? {} : { scenario: spec.scenario };
  for (const { rate, count } of spec.rates) {
    const runs = session.runs.get(rate) ?? [];
    const measured = runs.filter((r) => r.latency !== undefined);
    const rates = measured.map((r) => ((r.received - 1) * 1000) / Math.max(1e-3, r.lastAt - r.firstAt));
    const delivered = Math.min(...runs.map((r) => r.received / Math.max(1, r.sent)));
    ctx.add({
      ...rowFor(spec, rate, count),
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
}

export { spread };
