import { base, figures, type RunContext } from '../context.ts';
import { EMPTY_FIGURES } from '../results.ts';
import { createTopic } from '../subjects/kafka.ts';
import { JAVA_SUBJECT, javaConsumer, javaProducer, javaProducerProps } from '../subjects/kafka-java.ts';
import { resolveSettings } from '../subjects/kafka-settings.ts';
import type { SubjectConfig } from '../subjects/types.ts';
import type { Contender } from './interleave.ts';

/** Kafka's ProducerPerformance with the producer properties equal to `config` (one JVM per run). */
export function javaProducerContender(
  ctx: RunContext,
  spec: { scenario: string; family: string; payloadBytes: number; count: number; config: SubjectConfig },
): Contender {
  const props = javaProducerProps(resolveSettings(spec.config));
  const row = {
    ...base(spec.family, 'kafka', JAVA_SUBJECT, spec.payloadBytes, spec.count, {
      ...spec.config,
      mode: 'concurrent',
      props: props.join(' '),
    }),
    scenario: spec.scenario,
  };
  const name = `${JAVA_SUBJECT.label}, ${spec.payloadBytes} B`;
  const topic = ctx.topic('java_pub');
  let rss: number | null = null;
  const produce = async () => {
    const result = await javaProducer({
      topic,
      records: spec.count,
      recordSize: spec.payloadBytes,
      props,
      timeoutMs: 240_000,
    });
    rss = Math.max(rss ?? 0, result.peakRssMb ?? 0) || rss;
    return result;
  };
  return {
    name,
    async setup() {
      await createTopic(topic, ctx.env, 3);
      ctx.progress(name, `warm-up, producing ${spec.count.toLocaleString('en')} records…`);
      await produce(); // warms the broker; every run is a fresh JVM anyway
    },
    async run() {
      const r = await produce();
      return { msgPerSec: r.msgPerSec, p50Ms: r.p50Ms ?? Number.NaN, p99Ms: r.p99Ms ?? Number.NaN };
    },
    async finish(runs) {
      const f = figures(
        runs.map((r) => r.msgPerSec),
        spec.payloadBytes,
        runs.map((r) => ({ p50Ms: r.p50Ms!, p99Ms: r.p99Ms!, p999Ms: Number.NaN })),
      );
      const { p50Ms, p99Ms, p999Ms: _a, p99MsMin: _b, p99MsMax: _c, ...rate } = f;
      ctx.add({
        ...row,
        ...EMPTY_FIGURES,
        ...rate,
        runs: runs.length,
        rssMb: rss,
        producerRssMb: rss,
        note: `ProducerPerformance send→ack latency (not end to end): p50 ${p50Ms} ms, p99 ${p99Ms} ms; records are random bytes, not JSON`,
      });
    },
    async fail(reason) {
      ctx.skip(row, reason);
    },
  };
}

/** ConsumerPerformance over a topic the Java producer filled; a new group per run. */
export function javaConsumerContender(
  ctx: RunContext,
  spec: { payloadBytes: number; count: number; config: SubjectConfig },
): Contender {
  const row = base('consume', 'kafka', JAVA_SUBJECT, spec.payloadBytes, spec.count, spec.config);
  const name = `${JAVA_SUBJECT.label}, ${spec.payloadBytes} B`;
  const topic = ctx.topic('java_con');
  let rss: number | null = null;
  let group = 0;
  const consume = async () => {
    const result = await javaConsumer({
      topic,
      records: spec.count,
      group: `g_${topic}_${group++}`,
      props: [],
      timeoutMs: 240_000,
    });
    rss = Math.max(rss ?? 0, result.peakRssMb ?? 0) || rss;
    return result;
  };
  return {
    name,
    async setup() {
      await createTopic(topic, ctx.env, 3);
      ctx.progress(name, `filling ${topic} with ${spec.count.toLocaleString('en')} records…`);
      const props = javaProducerProps(resolveSettings(spec.config));
      await javaProducer({
        topic,
        records: spec.count,
        recordSize: spec.payloadBytes,
        props,
        timeoutMs: 240_000,
      });
      ctx.progress(name, 'warm-up read…');
      await consume();
    },
    async run() {
      return { msgPerSec: (await consume()).msgPerSec };
    },
    async finish(runs) {
      ctx.add({
        ...row,
        ...EMPTY_FIGURES,
        ...figures(
          runs.map((r) => r.msgPerSec),
          spec.payloadBytes,
        ),
        runs: runs.length,
        rssMb: rss,
        consumerRssMb: rss,
        delivered: 1,
        note: 'ConsumerPerformance fetch.nMsg.sec (group join excluded); records are random bytes, not JSON',
      });
    },
    async fail(reason) {
      ctx.skip(row, reason);
    },
  };
}
