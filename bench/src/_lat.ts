import { RunContext } from './context.ts';
import { loadBrokerEnv } from './env.ts';
import { measureLatency } from './measure/latency.ts';

const ctx = new RunContext({
  quick: true,
  runs: 1,
  env: { ...loadBrokerEnv(), KAFKA_BROKERS: process.env.KAFKA_BROKERS! },
});
const { available } = await ctx.subjects('kafka');
const config = JSON.parse(process.argv[2] ?? '{"preset":"latency"}');
for (const subject of available.filter((s) => s.id === (process.argv[3] ?? 'kafkajs'))) {
  await measureLatency(ctx, {
    family: 'latency',
    transport: 'kafka',
    subject,
    payloadBytes: 100,
    rates: [{ rate: 1000, count: 3000 }],
    config,
  });
}
for (const r of ctx.rows)
  console.log(r.subject, JSON.stringify(r.config), 'p50', r.p50Ms, 'p99', r.p99Ms, r.skipped ?? '');
await ctx.stopAll();
