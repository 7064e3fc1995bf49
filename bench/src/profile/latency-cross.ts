// The latency scenario's open-loop run with producer and consumer subjects crossed and alternated,
// to tell which side a p99 gap comes from (both processes as the bench runs them, src/worker.ts):
//   node --conditions=@switchyard/source bench/src/profile/latency-cross.ts [transport] [rate] [count] [rounds] [producers] [consumers]
//   node --conditions=@switchyard/source bench/src/profile/latency-cross.ts nats 10000 30000 3 switchyard,nats.js+ce switchyard,nats.js
// Every pair gets its own workers and topic, warmed up once (1,000 events at 1,000/s); each round
// runs every pair once, in rotating order. Prints p50 / p99 / max and each process's CPU µs per event.
// A Switchyard consumer reads only what carries the CloudEvents headers (Switchyard's or `nats.js+ce`'s).
// PROBE_PAIRS=matched pairs the i-th producer with the i-th consumer instead of crossing them all.
// PROBE_CONFIG='{"duplicateWindowMs":100,"msgId":false}': the subject config for topic, producer and
// consumer (raw nats.js: the stream's duplicate window; CE headers sent without `Nats-Msg-Id`).
import { loadavg } from 'node:os';
import { loadBrokerEnv } from '../env.ts';
import type { Worker } from '../rpc.ts';
import type { LatencySummary } from '../stats.ts';
import { loadTransport } from '../subjects/registry.ts';
import { openWorker, processCpuMicros } from './probe-workers.ts';

const args = process.argv.slice(2);
const transport = args[0] ?? 'nats';
const rate = Number(args[1] ?? 10_000);
const count = Number(args[2] ?? 30_000);
const rounds = Number(args[3] ?? 3);
const p = args[4] ?? 'switchyard,nats.js+ce';
const c = args[5] ?? 'switchyard,nats.js';
const payloadBytes = Number(process.env.PROBE_BYTES ?? 100);
const config = JSON.parse(process.env.PROBE_CONFIG ?? '{}') as Record<string, string | number | boolean>;
const env = loadBrokerEnv();
const stamp = `lx${Date.now().toString(36)}`;
/** PROBE_SERVER_PID: the broker's process, whose CPU µs per event is printed too (Linux /proc). */
const serverPid = process.env.PROBE_SERVER_PID;
const serverCpu = (): number => processCpuMicros(serverPid);

const open = (name: string, subject: string, role: 'Producer' | 'Consumer') =>
  openWorker(name, { transport, subject, env }, role, config);

interface Pair {
  key: string;
  producer: Worker;
  consumer: Worker;
  topic: string;
  rows: string[];
}
const pairs: Pair[] = [];
let phase = 0;
const matched = process.env.PROBE_PAIRS === 'matched';
const [producerIds, consumerIds] = [p.split(','), c.split(',')];
const crossed = matched
  ? producerIds.map((pid, i) => [pid, consumerIds[i] ?? pid] as const)
  : producerIds.flatMap((pid) => consumerIds.map((cid) => [pid, cid] as const));
for (const [pid, cid] of crossed) {
  const topic = `${stamp}_${pairs.length}`;
  const consumer = await open(`consumer-${cid}`, cid, 'Consumer');
  const producer = await open(`producer-${pid}`, pid, 'Producer');
  await consumer.call('prepareTopic', { topic, partitions: 3, config }, 60_000);
  await consumer.call('subscribe', { topic, group: `g_${topic}` }, 60_000);
  phase++;
  const warmed = consumer.call('expect', { phase, count: 1_000, timeoutMs: 60_000 }, 70_000);
  await producer.call('sendAtRate', { topic, rate: 1_000, count: 1_000, phase, payloadBytes }, 60_000);
  await warmed;
  pairs.push({ key: `${pid} → ${cid}`, producer, consumer, topic, rows: [] });
  console.log(`pair ${pid} → ${cid}: producer pid ${producer.pid}, consumer pid ${consumer.pid}`);
}

for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[(i + round) % pairs.length]!;
    phase++;
    const server0 = serverCpu();
    const cpu0 = await Promise.all([
      pair.producer.call<number>('cpu', {}, 10_000),
      pair.consumer.call<number>('cpu', {}, 10_000),
    ]);
    const timeoutMs = (count / rate) * 1000 + 15_000;
    const expected = pair.consumer.call<{ received: number; latency?: LatencySummary }>(
      'expect',
      { phase, count, timeoutMs },
      timeoutMs + 10_000,
    );
    await pair.producer.call(
      'sendAtRate',
      { topic: pair.topic, rate, count, phase, payloadBytes },
      timeoutMs,
    );
    const e = await expected;
    const cpu1 = await Promise.all([
      pair.producer.call<number>('cpu', {}, 10_000),
      pair.consumer.call<number>('cpu', {}, 10_000),
    ]);
    const server = serverPid === undefined ? '' : ` server ${((serverCpu() - server0) / count).toFixed(1)}`;
    const l = e.latency;
    const row =
      l === undefined
        ? `received ${e.received}`
        : `p50 ${l.p50Ms.toFixed(2)} p99 ${l.p99Ms.toFixed(2)} max ${l.maxMs.toFixed(2)} ms; CPU µs/event producer ${((cpu1[0] - cpu0[0]) / count).toFixed(1)} consumer ${((cpu1[1] - cpu0[1]) / count).toFixed(1)}${server}${e.received < count ? `; received ${e.received}` : ''}`;
    console.log(`round ${round + 1} ${pair.key.padEnd(28)} ${row}; load ${loadavg()[0]!.toFixed(1)}`);
    pair.rows.push(row);
  }
}
for (const pair of pairs)
  for (const w of [pair.producer, pair.consumer]) await w.call('close', {}, 30_000).catch(() => {});
await (await loadTransport(transport)).cleanup?.(env, stamp);
process.exit(0);
