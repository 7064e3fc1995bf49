// The consumer's share of the plan scenario's first-event latency: a consumer subject in this
// process (one consumer, a new subscription per round on a fresh topic and group, as the plan
// runs), a producer subject in a worker process publishing N events at once. Per round: when the
// first bytes naming the topic reached one of this process's TCP sockets (the broker's reply or
// push), and when the first event reached the handler, both against that event's send time:
//   node --conditions=@switchyard/source bench/src/profile/first-read.ts [transport] [consumer] [producer] [N] [rounds]
//   node --conditions=@switchyard/source bench/src/profile/first-read.ts redis switchyard ioredis+ce 300 7
// Round 1 is the process's first subscription and first delivery (cold), as in a plan run.
import net from 'node:net';
import { loadBrokerEnv } from '../env.ts';
import type { BenchData } from '../payload.ts';
import { Worker } from '../rpc.ts';
import { wallNowMs } from '../stats.ts';
import { loadTransport } from '../subjects/registry.ts';

const [transport = 'redis', cid = 'switchyard', pid = 'ioredis+ce', n = '300', r = '7'] =
  process.argv.slice(2);
const count = Number(n);
const env = loadBrokerEnv();
const stamp = Date.now().toString(36);
const config = transport === 'kafka' ? { preset: 'durable' } : {};

let armed: Buffer | undefined; // the topic's name: the first chunk naming it is the first delivery's
let firstData = 0;
const emit = net.Socket.prototype.emit;
net.Socket.prototype.emit = function (this: net.Socket, event: string | symbol, ...args: unknown[]) {
  // TCP sockets only (a child's pipes are net.Sockets too, without a remote port).
  if (
    armed !== undefined &&
    event === 'data' &&
    firstData === 0 &&
    this.remotePort !== undefined &&
    Buffer.isBuffer(args[0]) &&
    args[0].includes(armed)
  )
    firstData = wallNowMs();
  return (emit as (...a: unknown[]) => boolean).call(this, event, ...args);
} as typeof emit;

const module = await loadTransport(transport);
const consumerSubject =
  module.load !== undefined
    ? await module.load(cid)
    : (await module.subjects()).available.find((x) => x.id === cid)!;
const producer = new Worker(`producer-${pid}`, {}, (line) => console.error(line));
await producer.call('open', { transport, subject: pid, env }, 60_000);
await producer.call('openProducer', { config }, 60_000);
const consumer = await consumerSubject.consumer(config, env);

const rows: Array<{ wire: number; handler: number }> = [];
for (let round = 0; round < Number(r); round++) {
  const phase = round + 1;
  const topic = `fr_${stamp}_${round}`;
  await consumerSubject.prepareTopic(topic, config, env, { partitions: 3 });
  let first: { at: number; t: number } | undefined;
  const got = Promise.withResolvers<void>();
  await consumer.subscribe(topic, `g_${topic}`, (data: BenchData) => {
    if (data.p !== phase || first !== undefined) return;
    first = { at: wallNowMs(), t: data.t };
    got.resolve();
  });
  firstData = 0;
  armed = Buffer.from(topic);
  await producer.call(
    'publish',
    { topic, mode: 'concurrent', count, phase, payloadBytes: 100, inFlight: count },
    30_000,
  );
  await Promise.race([got.promise, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  armed = undefined;
  if (first === undefined) {
    console.log(`round ${round + 1}: nothing arrived`);
    continue;
  }
  const f = first as { at: number; t: number };
  rows.push({ wire: firstData - f.t, handler: f.at - firstData });
  console.log(
    `round ${round + 1}: first bytes ${(firstData - f.t).toFixed(2)} ms after the send, handler ${(f.at - firstData).toFixed(2)} ms after the bytes (total ${(f.at - f.t).toFixed(2)})`,
  );
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `${pid} → ${cid} N=${count}: medians wire ${median(rows.map((x) => x.wire)).toFixed(2)} ms, handler ${median(rows.map((x) => x.handler)).toFixed(2)} ms; min handler ${Math.min(...rows.map((x) => x.handler)).toFixed(2)}`,
);
await consumer.close();
await producer.call('close', {}, 30_000).catch(() => {});
await module.cleanup?.(env, `fr_${stamp}_`);
process.exit(0);
