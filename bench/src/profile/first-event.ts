// The plan scenario's first-event latency with producer and consumer subjects crossed, to tell
// which side a gap comes from (both processes as the bench runs them, src/worker.ts):
//   node --conditions=@switchyard/source bench/src/profile/first-event.ts [transport] [N] [rounds] [producers] [consumers]
//   node --conditions=@switchyard/source bench/src/profile/first-event.ts nats 300 5 switchyard,nats.js,nats.js+ce switchyard,nats.js
// A consumer reads what any producer sends only if it understands it: the Switchyard consumer
// needs the CloudEvents headers (Switchyard's or `nats.js+ce`'s), a raw consumer reads any data.
import { loadBrokerEnv } from '../env.ts';
import { Worker } from '../rpc.ts';
import { loadTransport } from '../subjects/registry.ts';

const [transport = 'nats', n = '300', r = '5', p = 'switchyard,nats.js+ce', c = 'switchyard,nats.js'] =
  process.argv.slice(2);
const count = Number(n);
const rounds = Number(r);
const env = loadBrokerEnv();
const stamp = Date.now().toString(36);

async function open(name: string, subject: string): Promise<Worker> {
  const worker = new Worker(name, {}, (line) => console.error(line));
  await worker.call('open', { transport, subject, env }, 60_000);
  return worker;
}

const producers = new Map<string, Worker>();
const consumers = new Map<string, Worker>();
for (const id of p.split(',')) {
  const w = await open(`producer-${id}`, id);
  await w.call('openProducer', { config: {} }, 60_000);
  producers.set(id, w);
}
for (const id of c.split(',')) {
  const w = await open(`consumer-${id}`, id);
  await w.call('openConsumer', { config: {} }, 60_000);
  consumers.set(id, w);
}

const firsts = new Map<string, number[]>();
let phase = 0;
let topicNo = 0;
for (let round = 0; round < rounds; round++) {
  for (const [pid, producer] of producers) {
    for (const [cid, consumer] of consumers) {
      phase++;
      const topic = `fe_${stamp}_${topicNo++}`;
      await consumer.call('prepareTopic', { topic, partitions: 3, config: {} }, 60_000);
      await consumer.call('subscribe', { topic, group: `g_${topic}` }, 60_000);
      const expected = consumer.call<{ received: number; firstLatencyMs: number | undefined }>(
        'expect',
        { phase, count, timeoutMs: 10_000 },
        20_000,
      );
      await producer.call(
        'publish',
        { topic, mode: 'concurrent', count, phase, payloadBytes: 100, inFlight: count },
        30_000,
      );
      const e = await expected;
      const key = `${pid} → ${cid}`;
      const list = firsts.get(key) ?? [];
      list.push(e.received > 0 ? (e.firstLatencyMs ?? Number.NaN) : Number.NaN);
      firsts.set(key, list);
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [key, xs] of firsts)
  console.log(
    key.padEnd(32),
    'first event ms: median',
    median(xs).toFixed(2),
    ' all',
    xs.map((x) => x.toFixed(1)).join(' '),
  );
for (const w of [...producers.values(), ...consumers.values()])
  await w.call('close', {}, 30_000).catch(() => {});
await (await loadTransport(transport)).cleanup?.(env, `fe_${stamp}_`); // the topics made above
process.exit(0);
