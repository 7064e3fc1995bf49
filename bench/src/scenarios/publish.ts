import type { RunContext } from '../context.ts';
import { base, errorText, figures } from '../context.ts';
import { measurePublish, type PublishMode } from '../measure/publish.ts';
import { EMPTY_FIGURES } from '../results.ts';
import { spread } from '../stats.ts';
import { createTopic } from '../subjects/kafka.ts';
import { JAVA_SUBJECT, javaProducer, javaProducerProps } from '../subjects/kafka-java.ts';
import { resolveSettings } from '../subjects/kafka-settings.ts';
import type { SubjectConfig } from '../subjects/types.ts';
import { PAYLOADS, type Scenario } from './types.ts';

const IN_FLIGHT = 1_000;

export function defaultConfig(transport: string): SubjectConfig {
  return transport === 'kafka' ? { preset: 'durable' } : {};
}

/** Awaited one by one, N concurrent, and fire-and-forget; every subject of the transport, same broker. */
export const publishScenario: Scenario = {
  id: 'publish',
  family: 'publish',
  title: 'Publish throughput: awaited sequential, concurrent (1,000 in flight), fire-and-forget',
  transports: ['kafka', 'nats'],
  async run(ctx, transport) {
    const { available, missing } = await ctx.subjects(transport, { extras: true });
    const counts: Record<PublishMode, number> = {
      sequential: ctx.quick ? 300 : 2_000,
      concurrent: ctx.quick ? 10_000 : 50_000,
      emit: ctx.quick ? 10_000 : 50_000,
    };
    const config = defaultConfig(transport);
    for (const payloadBytes of PAYLOADS(ctx.quick)) {
      for (const mode of ['sequential', 'concurrent', 'emit'] as const) {
        const scenario = `publish-${mode}`;
        for (const m of missing) {
          ctx.skip(
            {
              ...base(
                'publish',
                transport,
                { id: m.id, label: `Switchyard (${transport})`, kind: 'switchyard' },
                payloadBytes,
                counts[mode],
                config,
              ),
              scenario,
            },
            m.reason,
          );
        }
        for (const subject of available) {
          await measurePublish(ctx, {
            family: 'publish',
            transport,
            subject,
            mode,
            payloadBytes,
            count: counts[mode],
            inFlight: IN_FLIGHT,
            config,
            scenario,
          });
        }
        if (transport === 'kafka' && mode === 'concurrent') {
          await measureJavaProducer(ctx, { scenario, payloadBytes, count: counts[mode] * 2, config });
        }
      }
    }
  },
};

/** ProducerPerformance with the same acks, idempotence, linger, batch bytes and compression. */
export async function measureJavaProducer(
  ctx: RunContext,
  spec: { scenario: string; family?: string; payloadBytes: number; count: number; config: SubjectConfig },
): Promise<void> {
  const settings = resolveSettings(spec.config);
  const props = javaProducerProps(settings);
  const row = {
    ...base(spec.family ?? 'publish', 'kafka', JAVA_SUBJECT, spec.payloadBytes, spec.count, {
      ...spec.config,
      mode: 'concurrent',
      props: props.join(' '),
    }),
    scenario: spec.scenario,
  };
  try {
    const topic = ctx.topic('java_pub');
    await createTopic(topic, ctx.env, 3);
    const rates: number[] = [];
    const latencies: Array<{ p50Ms: number; p99Ms: number; p999Ms: number }> = [];
    let rss: number | null = null;
    for (let r = 0; r < ctx.runs + 1; r++) {
      const what = r === 0 ? 'warm-up' : `run ${r}/${ctx.runs}`;
      ctx.progress(
        `${JAVA_SUBJECT.label}, ${spec.payloadBytes} B`,
        `${what}, producing ${spec.count.toLocaleString('en')} records…`,
      );
      const result = await javaProducer({
        topic,
        records: spec.count,
        recordSize: spec.payloadBytes,
        props,
        timeoutMs: 180_000,
      });
      if (r === 0) continue; // the first JVM run is warm-up for the broker; each run is a new JVM anyway
      rates.push(result.msgPerSec);
      rss = Math.max(rss ?? 0, result.peakRssMb ?? 0) || rss;
      if (result.p50Ms !== undefined) {
        latencies.push({
          p50Ms: result.p50Ms,
          p99Ms: result.p99Ms ?? Number.NaN,
          p999Ms: result.p999Ms ?? Number.NaN,
        });
      }
    }
    const { p50Ms, p99Ms, p999Ms, p99MsMin, p99MsMax, ...rate } = figures(
      rates,
      spec.payloadBytes,
      latencies,
    );
    ctx.add({
      ...row,
      ...EMPTY_FIGURES,
      ...rate,
      runs: rates.length,
      rssMb: rss,
      producerRssMb: rss,
      note: `ProducerPerformance send→ack latency (not end to end): p50 ${p50Ms} ms, p99 ${p99Ms} ms (median of runs)`,
    });
    void spread;
  } catch (error) {
    ctx.skip(row, `failed: ${errorText(error)}`);
  }
}
