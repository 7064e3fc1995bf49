import { base, figures, type RunContext } from '../context.ts';
import { EMPTY_FIGURES } from '../results.ts';
import type { Worker } from '../rpc.ts';
import { round } from '../stats.ts';
import type { Subject, SubjectConfig } from '../subjects/types.ts';
import type { Contender } from './interleave.ts';

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
 * Consume throughput from a pre-filled topic: a producer process fills a warm-up topic and one
 * topic per run (with the subject's own producer, so Switchyard reads Switchyard's wire format)
 * and exits; then one consumer process reads each from the beginning with a fresh group.
 * Rate = events / (last − first arrival), so the group join is not counted.
 */
export function consumeContender(ctx: RunContext, spec: ConsumeSpec): Contender {
  const name = `${spec.subject.label}, consume, ${spec.payloadBytes} B`;
  const row = base(spec.family, spec.transport, spec.subject, spec.payloadBytes, spec.count, spec.config);
  const topics = [
    { topic: ctx.topic(`con_${spec.subject.id}`), phase: -1, count: Math.ceil(spec.count / 5) },
  ];
  for (let r = 0; r < ctx.runs; r++) {
    topics.push({ topic: ctx.topic(`con_${spec.subject.id}`), phase: r, count: spec.count });
  }
  let producer: Worker | undefined;
  let consumer: Worker | undefined;
  let producerRss: number | null = null;
  let delivered = 1;
  const read = async (t: (typeof topics)[number]) => {
    const timeoutMs = 90_000 + t.count;
    const expected = consumer!.call<Expectation>(
      'expect',
      { phase: t.phase, count: t.count, timeoutMs },
      timeoutMs + 10_000,
    );
    await consumer!.call('subscribe', { topic: t.topic, group: `g_${t.topic}` }, 60_000);
    const e = await expected;
    if (e.received < t.count) delivered = Math.min(delivered, e.received / t.count);
    if (e.received < 2) throw new Error(`${e.received} of ${t.count} events arrived`);
    return ((e.received - 1) * 1000) / Math.max(1e-3, e.lastAt - e.firstAt);
  };
  return {
    name,
    async setup() {
      producer = await ctx.worker('producer', spec.transport, spec.subject.id);
      await producer.call('openProducer', { config: spec.config }, 60_000);
      for (const t of topics) {
        ctx.progress(name, `filling ${t.topic} with ${t.count.toLocaleString('en')} events…`);
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
      producerRss = await ctx.stop(producer);
      producer = undefined;
      consumer = await ctx.worker('consumer', spec.transport, spec.subject.id);
      await consumer.call('openConsumer', { config: spec.config }, 60_000);
      ctx.progress(name, `warm-up read of ${topics[0]!.count.toLocaleString('en')} events…`);
      await read(topics[0]!);
    },
    async run(r) {
      return { msgPerSec: await read(topics[r + 1]!) };
    },
    async finish(runs) {
      const consumerRss = await ctx.stop(consumer!);
      ctx.add({
        ...row,
        ...EMPTY_FIGURES,
        ...figures(
          runs.map((x) => x.msgPerSec),
          spec.payloadBytes,
        ),
        runs: runs.length,
        rssMb: consumerRss,
        producerRssMb: producerRss,
        consumerRssMb: consumerRss,
        delivered: round(delivered, 4),
        note: 'rssMb is the consumer process; producerRssMb the process that filled the topics',
      });
    },
    async fail(reason) {
      for (const w of [producer, consumer]) if (w !== undefined) await ctx.stop(w).catch(() => undefined);
      ctx.skip(row, reason);
    },
  };
}
