// How long a burst of N concurrent publishes takes before its first bytes reach the socket, and
// before all of them did (the producer's share of the plan scenario's first-event latency):
//   node --conditions=@switchyard/source bench/src/profile/first-write.ts nats switchyard 800 20
import net from 'node:net';
import { loadBrokerEnv } from '../env.ts';
import { keyFor, makeData, padFor } from '../payload.ts';
import { wallNowMs } from '../stats.ts';
import { loadTransport } from '../subjects/registry.ts';

const [transport = 'nats', id = 'switchyard', n = '800', r = '20'] = process.argv.slice(2);
const env = loadBrokerEnv();
const module = await loadTransport(transport);
const s =
  module.load !== undefined
    ? await module.load(id)
    : (await module.subjects()).available.find((x) => x.id === id)!;
let firstWrite = 0;
let lastWrite = 0;
let writes = 0;
const write = net.Socket.prototype.write;
net.Socket.prototype.write = function (this: net.Socket, ...args: unknown[]) {
  const now = performance.now();
  if (firstWrite === 0) firstWrite = now;
  lastWrite = now;
  writes++;
  return (write as (...a: unknown[]) => boolean).apply(this, args);
} as typeof write;
const pad = padFor(100);
const topic = `fw_${Date.now().toString(36)}`;
await s.prepareTopic(topic, {}, env, { partitions: 3 });
const p = await s.producer({}, env);
const count = Number(n);
const first: number[] = [];
const all: number[] = [];
for (let round = 0; round < Number(r) + 2; round++) {
  let made = 0;
  firstWrite = 0;
  writes = 0;
  const done = p.publishMany(
    topic,
    count,
    (i) => {
      if (i === 0) made = performance.now();
      return { key: keyFor(i), data: makeData(0, i, pad, wallNowMs()) };
    },
    count,
  );
  const lastBuilt = performance.now();
  await done;
  if (round < 2) {
    // warm-up: the process's first bursts (the cold path a plan run's first run takes)
    console.log(
      `cold round ${round + 1}: first socket write ${(firstWrite - made).toFixed(2)} ms, sync part ${(lastBuilt - made).toFixed(2)} ms`,
    );
    continue;
  }
  first.push(firstWrite - made);
  all.push(lastWrite - made);
  if (round === 2) console.log(`sync part ${(lastBuilt - made).toFixed(2)} ms, ${writes} socket writes`);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  id,
  `N=${count}: first socket write ${median(first).toFixed(2)} ms after event 0 was made (min ${Math.min(...first).toFixed(2)}), last ${median(all).toFixed(2)} ms`,
);
await p.close();
await module.cleanup?.(env, topic);
process.exit(0);
