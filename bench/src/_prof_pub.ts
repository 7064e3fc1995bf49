import { keyFor, makeData, padFor } from './payload.ts';
import { wallNowMs } from './stats.ts';
import { loadTransport } from './subjects/registry.ts';

const [transport = 'nats', id = 'switchyard', mode = 'concurrent'] = process.argv.slice(2);
const env = {
  NATS_URL: 'nats://127.0.0.1:4222',
  KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
};
const m = await loadTransport(transport);
const s = (await m.subjects()).available.find((x) => x.id === id)!;
const topic = `bench_prof_${Date.now()}`;
const config = transport === 'kafka' ? { preset: 'durable' } : {};
await s.prepareTopic(topic, config, env, { partitions: 3 });
const p = await s.producer(config, env);
const pad = padFor(100);
const make = (i: number) => ({ key: keyFor(i), data: makeData(0, i, pad, wallNowMs()) });
for (const n of [10_000, 50_000, 50_000]) {
  const t = performance.now();
  if (mode === 'concurrent') await p.publishMany(topic, n, make, 1000);
  else await p.emitMany!(topic, n, make);
  console.log(id, mode, n, Math.round((n / (performance.now() - t)) * 1000), '/s');
}
await p.close();
