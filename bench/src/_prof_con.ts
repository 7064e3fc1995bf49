import { keyFor, makeData, padFor } from './payload.ts';
import { wallNowMs } from './stats.ts';
import { loadTransport } from './subjects/registry.ts';

const [transport = 'nats', id = 'switchyard', n = '50000'] = process.argv.slice(2);
const count = Number(n);
const env = {
  NATS_URL: 'nats://127.0.0.1:4222',
  KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
};
const s = (await (await loadTransport(transport)).subjects()).available.find((x) => x.id === id)!;
const topic = process.argv[5] ?? `bench_profc_${Date.now()}`;
const fillOnly = process.argv[6] === 'fill';
const config = transport === 'kafka' ? { preset: 'durable' } : {};
if (process.argv[5] === undefined || fillOnly) {
  await s.prepareTopic(topic, config, env, { partitions: 3 });
  const p = await s.producer(config, env);
  const pad = padFor(100);
  await p.publishMany(
    topic,
    count,
    (i) => ({ key: keyFor(i), data: makeData(0, i, pad, wallNowMs()) }),
    1000,
  );
  await p.close();
}
if (fillOnly) process.exit(0);
const c = await s.consumer(config, env);
let got = 0;
let first = 0;
let last = 0;
const done = Promise.withResolvers<void>();
await c.subscribe(topic, 'g1', () => {
  const now = performance.now();
  if (got === 0) first = now;
  last = now;
  if (++got === count) done.resolve();
});
await done.promise;
console.log(id, 'consume', Math.round(((count - 1) / (last - first)) * 1000), '/s');
await c.close();
