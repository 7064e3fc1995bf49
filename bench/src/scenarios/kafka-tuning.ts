import { type Contender, interleave } from '../measure/interleave.ts';
import { javaProducerContender } from '../measure/java.ts';
import { measureLatencies } from '../measure/latency.ts';
import { kafkaTargetRuns } from '../measure/publish.ts';
import { PLAN_CONFIG } from '../subjects/kafka-settings.ts';
import type { SubjectConfig } from '../subjects/types.ts';
import { measureClusterPresets } from './kafka-cluster-presets.ts';
import { tuningContender } from './kafka-tuning-publish.ts';
import { javaRecords } from './publish.ts';
import type { Scenario } from './types.ts';

/**
 * Each preset (100 B and 1 KiB) on the single broker and on the replicated 3-node cluster, each
 * codec (on `durable`), and the original plan's settings; Switchyard beside raw kafkajs and Java.
 */
export const kafkaTuningScenario: Scenario = {
  id: 'kafka-tuning',
  family: 'kafka-tuning',
  title: 'Kafka presets, codecs and the original plan’s settings (concurrent publish)',
  transports: ['kafka'],
  async run(ctx, transport) {
    const { available } = await ctx.subjects(transport, { extras: true });
    const configs: Array<{ name: string; config: SubjectConfig }> = [
      { name: 'preset durable', config: { preset: 'durable' } },
      { name: 'preset throughput', config: { preset: 'throughput' } },
      { name: 'preset latency', config: { preset: 'latency' } },
      ...(['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const).map((compression) => ({
        name: `codec ${compression}`,
        config: { preset: 'durable', compression },
      })),
      { name: 'original plan', config: { ...PLAN_CONFIG } },
    ];
    // BENCH_KAFKA_CONFIGS=preset keeps the configurations whose name contains one of the
    // comma-separated words (a debugging aid: `preset` runs the three presets only).
    const only = process.env.BENCH_KAFKA_CONFIGS?.split(',').filter(Boolean);
    const chosen = ctx.quick
      ? configs.filter((c) => c.name === 'preset durable' || c.name === 'original plan')
      : only === undefined
        ? configs
        : configs.filter((c) => only.some((word) => c.name.includes(word)));
    const count = ctx.quick ? 5_000 : 30_000;
    const contendersOf = (name: string, config: SubjectConfig, payloadBytes: number): Contender[] => {
      const scenario = `kafka-${name.replace(/\s+/g, '-')}`;
      const contenders: Contender[] = available.map((subject) =>
        tuningContender(ctx, { scenario, transport, subject, payloadBytes, count, config }),
      );
      if (!ctx.quick) {
        contenders.push(
          javaProducerContender(ctx, {
            scenario,
            family: 'kafka-tuning',
            payloadBytes,
            count: javaRecords(false, count, payloadBytes),
            config,
          }),
        );
      }
      return contenders;
    };
    // The presets at both payloads, each payload's presets interleaved with one another: which
    // preset is fastest is part of the question, so load from elsewhere must hit them alike.
    const presets = chosen.filter((c) => c.name.startsWith('preset'));
    const payloads = ctx.quick ? [1024] : [100, 1024];
    for (const payloadBytes of payloads) {
      if (presets.length === 0) break;
      await interleave(
        ctx,
        presets.flatMap((c) => contendersOf(c.name, c.config, payloadBytes)),
        kafkaTargetRuns(ctx),
      );
    }
    // The same presets where they can differ: three replicas, `acks: all` waiting for a second one.
    if (presets.length > 0) await measureClusterPresets(ctx, transport, available, presets, payloads, count);
    // The codecs and the plan's settings at 1 KiB, each with its peers.
    for (const { name, config } of chosen.filter((c) => !c.name.startsWith('preset'))) {
      await interleave(ctx, contendersOf(name, config, 1024));
    }
    // End-to-end latency at 1,000 events/s per preset and for the plan's settings (fetch min 100 KB, 500 ms wait).
    const e2e = ctx.quick
      ? []
      : chosen.filter((c) => c.name.startsWith('preset') || c.name === 'original plan');
    for (const { name, config } of e2e) {
      // The subjects of one configuration interleaved, run by run.
      await measureLatencies(
        ctx,
        available.map((subject) => ({
          family: 'kafka-tuning',
          scenario: `kafka-e2e-${name.replace(/\s+/g, '-')}`,
          transport,
          subject,
          payloadBytes: 1024,
          rates: [{ rate: 1_000, count: 3_000 }],
          config,
        })),
      );
    }
  },
};
