import { base } from '../context.ts';
import { consumeContender } from '../measure/consume.ts';
import { type Contender, interleave } from '../measure/interleave.ts';
import { javaConsumerContender } from '../measure/java.ts';
import { defaultConfig, javaRecords } from './publish.ts';
import { PAYLOADS, type Scenario } from './types.ts';

export const consumeScenario: Scenario = {
  id: 'consume',
  family: 'consume',
  title: 'Consume throughput from a pre-filled topic',
  transports: ['kafka', 'nats', 'redis'],
  async run(ctx, transport) {
    const { available, missing } = await ctx.subjects(transport, { extras: true, consume: true });
    const count = ctx.quick ? 10_000 : Number(process.env.BENCH_CONSUME_COUNT ?? 50_000);
    const config = defaultConfig(transport);
    for (const payloadBytes of PAYLOADS(ctx.quick)) {
      for (const m of missing) ctx.skip(base('consume', transport, m, payloadBytes, count, config), m.reason);
      const contenders: Contender[] = available.map((subject) =>
        consumeContender(ctx, { family: 'consume', transport, subject, payloadBytes, count, config }),
      );
      if (transport === 'kafka') {
        contenders.push(
          javaConsumerContender(ctx, {
            payloadBytes,
            count: javaRecords(ctx.quick, count, payloadBytes),
            config,
          }),
        );
      }
      await interleave(ctx, contenders);
    }
  },
};
