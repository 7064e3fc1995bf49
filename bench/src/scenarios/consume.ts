import { base, errorText, figures, type RunContext } from '../context.ts';
import { measureConsume } from '../measure/consume.ts';
import { EMPTY_FIGURES } from '../results.ts';
import { createTopic } from '../subjects/kafka.ts';
import { JAVA_SUBJECT, javaConsumer, javaProducer, javaProducerProps } from '../subjects/kafka-java.ts';
import { resolveSettings } from '../subjects/kafka-settings.ts';
import type { SubjectConfig } from '../subjects/types.ts';
import { defaultConfig } from './publish.ts';
import { PAYLOADS, type Scenario } from './types.ts';

export const consumeScenario: Scenario = {
  id: 'consume',
  family: 'consume',
  title: 'Consume throughput from a pre-filled topic',
  transports: ['kafka', 'nats'],
  async run(ctx, transport) {
    const { available, missing } = await ctx.subjects(transport, { extras: true });
    const count = ctx.quick ? 10_000 : 50_000;
    const config = defaultConfig(transport);
    for (const payloadBytes of PAYLOADS(ctx.quick)) {
      for (const m of missing) {
        ctx.skip(
          base(
            'consume',
            transport,
            { id: m.id, label: `Switchyard (${transport})`, kind: 'switchyard' },
            payloadBytes,
            count,
            config,
          ),
          m.reason,
        );
      }
      for (const subject of available) {
        await measureConsume(ctx, { family: 'consume', transport, subject, payloadBytes, count, config });
      }
      if (transport === 'kafka') await measureJavaConsumer(ctx, payloadBytes, count * 2, config);
    }
  },
};

async function measureJavaConsumer(
  ctx: RunContext,
  payloadBytes: number,
  count: number,
  config: SubjectConfig,
) {
  const row = base('consume', 'kafka', JAVA_SUBJECT, payloadBytes, count, config);
  try {
    const topic = ctx.topic('java_con');
    await createTopic(topic, ctx.env, 3);
    const props = javaProducerProps(resolveSettings(config));
    ctx.progress(
      `${JAVA_SUBJECT.label}, ${payloadBytes} B`,
      `filling ${topic} with ${count.toLocaleString('en')} records…`,
    );
    await javaProducer({ topic, records: count, recordSize: payloadBytes, props, timeoutMs: 180_000 });
    const rates: number[] = [];
    let rss: number | null = null;
    for (let r = 0; r <= ctx.runs; r++) {
      ctx.progress(
        `${JAVA_SUBJECT.label}, ${payloadBytes} B`,
        `${r === 0 ? 'warm-up' : `run ${r}/${ctx.runs}`}, consuming ${count.toLocaleString('en')} records…`,
      );
      const result = await javaConsumer({
        topic,
        records: count,
        group: `g_${topic}_${r}`,
        props: [],
        timeoutMs: 180_000,
      });
      if (r === 0) continue;
      rates.push(result.msgPerSec);
      rss = Math.max(rss ?? 0, result.peakRssMb ?? 0) || rss;
    }
    ctx.add({
      ...row,
      ...EMPTY_FIGURES,
      ...figures(rates, payloadBytes),
      runs: rates.length,
      rssMb: rss,
      consumerRssMb: rss,
      delivered: 1,
      note: 'ConsumerPerformance fetch.nMsg.sec (group join excluded); records are random bytes, not JSON',
    });
  } catch (error) {
    ctx.skip(row, `failed: ${errorText(error)}`);
  }
}
