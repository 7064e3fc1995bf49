// Do message ids expiring from one stream's duplicate window stall a later latency run on another?
//   node --conditions=@switchyard/source bench/src/profile/msgid-expiry.ts [arms] [subject]
//   node --conditions=@switchyard/source bench/src/profile/msgid-expiry.ts E,C,D,E,C,D,E,C,D switchyard
// Arms, in the order given:
//   E  a burst (BURST_RATE/s × BURST_COUNT, default 10,000/s × 30,000, `Nats-Msg-Id` on each, its
//      stream kept), then — GAP_S (100) s after the burst began — a measured run (MEASURE_RATE/s ×
//      MEASURE_COUNT, default 1,000/s × 30,000) on a fresh stream, so that the burst's ids leave the
//      2-minute window during it (20–23 s into the run);
//   D  the same, but the burst's stream is deleted as soon as the burst is stored (the bench's hygiene);
//   C  the measured run alone (no burst in the GAP_S before it);
//   S  a user's steady publisher: STEADY_RATE/s (10,000) for STEADY_S (240) s on one stream, so that
//      after the window's first 2 minutes ids expire as fast as they come; per 10 s: events over
//      SLOW_MS, p99, max (and with PROBE_SERVER_PID the server's RSS and CPU). STEADY_WINDOW_MS sets
//      the stream's duplicate window first (the comparison: a short window).
// Every stream is deleted after its arm. Per arm: events over SLOW_MS (10), p99, max, and the stalls
// (slow events grouped, a gap of > 200 ms ends one) placed in seconds after the measured run began and
// against the expiry window ("exp −3.2 s": 3.2 s before the burst's first ids were due to expire).
// NATS_URL picks the server; the duplicate window is the stream's default (the adapter's: 2 minutes).
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, nanos } from '@nats-io/transport-node';
import { loadBrokerEnv } from '../env.ts';
import type { Worker } from '../rpc.ts';
import { openWorker, processCpuMicros } from './probe-workers.ts';

const arms = (process.argv[2] ?? 'E,C').split(',');
const subject = process.argv[3] ?? 'switchyard';
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const burstRate = num('BURST_RATE', 10_000);
const burstCount = num('BURST_COUNT', 30_000);
const gapMs = num('GAP_S', 100) * 1000;
const rate = num('MEASURE_RATE', 1_000);
const count = num('MEASURE_COUNT', 30_000);
const slowMs = num('SLOW_MS', 10);
const windowMs = num('WINDOW_S', 120) * 1000; // the stream's duplicate window (the server's default)
const payloadBytes = num('PROBE_BYTES', 100);
const env = loadBrokerEnv();
const stamp = `nids_mx${Date.now().toString(36)}`;
const dump = mkdtempSync(join(tmpdir(), 'msgid-expiry-'));
process.env.BENCH_DEBUG_DUMP = dump; // the workers inherit it: each event's latency and arrival

const nc = await connect({ servers: env.NATS_URL ?? 'nats://127.0.0.1:4222' });
const jsm = await jetstreamManager(nc);
const version = nc.info?.version ?? '?';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const clock = (ms: number) => new Date(ms).toISOString().slice(11, 23);
const max = (values: number[]): number => values.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
const pct = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
};
let phase = 0;
let seq = 0;

async function pair(): Promise<{ producer: Worker; consumer: Worker; topic: string }> {
  const topic = `${stamp}_${++seq}`;
  const consumer = await openWorker(`consumer-${seq}`, { transport: 'nats', subject, env }, 'Consumer');
  const producer = await openWorker(`producer-${seq}`, { transport: 'nats', subject, env }, 'Producer');
  await consumer.call('prepareTopic', { topic, partitions: 3, config: {} }, 60_000);
  await consumer.call('subscribe', { topic, group: `g_${topic}` }, 60_000);
  // Warm-up as the latency scenario's (1,000 events at 1,000/s, phase −seq), before the measured run.
  const warmed = consumer.call('expect', { phase: -seq, count: 1_000, timeoutMs: 60_000 }, 70_000);
  await producer.call('sendAtRate', { topic, rate: 1_000, count: 1_000, phase: -seq, payloadBytes }, 60_000);
  await warmed;
  return { producer, consumer, topic };
}

async function run(
  p: { producer: Worker; consumer: Worker; topic: string },
  r: number,
  n: number,
): Promise<{ phase: number; startedAt: number }> {
  phase++;
  const timeoutMs = (n / r) * 1000 + 30_000;
  const expected = p.consumer.call('expect', { phase, count: n, timeoutMs }, timeoutMs + 10_000);
  const startedAt = Date.now();
  await p.producer.call('sendAtRate', { topic: p.topic, rate: r, count: n, phase, payloadBytes }, timeoutMs);
  await expected;
  return { phase, startedAt };
}

async function close(p: { producer: Worker; consumer: Worker; topic: string }): Promise<void> {
  for (const w of [p.producer, p.consumer]) await w.stop();
  await jsm.streams.delete(p.topic).catch(() => false);
}

console.log(
  `nats-server ${version}; ${subject}; burst ${burstRate}/s × ${burstCount}, measured ${rate}/s × ${count}, ` +
    `gap ${gapMs / 1000} s, window ${windowMs / 1000} s, > ${slowMs} ms counted`,
);
/** The server's resident set, MB (Linux /proc), or NaN without PROBE_SERVER_PID. */
const serverRss = (): number => {
  const pid = process.env.PROBE_SERVER_PID;
  if (pid === undefined) return Number.NaN;
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
  return Number(line?.[1] ?? Number.NaN) / 1024;
};

async function steady(): Promise<void> {
  const steadyRate = num('STEADY_RATE', 10_000);
  const seconds = num('STEADY_S', 240);
  const p = await pair();
  const windowMs = process.env.STEADY_WINDOW_MS;
  if (windowMs !== undefined) {
    const info = await jsm.streams.info(p.topic);
    await jsm.streams.update(p.topic, { ...info.config, duplicate_window: nanos(Number(windowMs)) });
  }
  const samples: Array<[number, number, number]> = []; // [wall ms, server RSS MB, server CPU µs]
  const sample = () =>
    samples.push([Date.now(), serverRss(), processCpuMicros(process.env.PROBE_SERVER_PID)]);
  sample();
  const timer = setInterval(sample, 10_000);
  const m = await run(p, steadyRate, steadyRate * seconds);
  clearInterval(timer);
  sample();
  const pid = p.consumer.pid;
  const first = JSON.parse(readFileSync(join(dump, `${pid}-phase${m.phase}-first.json`), 'utf8')) as number;
  const rows = JSON.parse(readFileSync(join(dump, `${pid}-phase${m.phase}.json`), 'utf8')) as Array<
    [number, number, number]
  >;
  await close(p);
  const buckets = new Map<number, number[]>();
  for (const [, latency, arrival] of rows) {
    const k = Math.floor((first + arrival - latency - m.startedAt) / 10_000);
    if (!buckets.has(k)) buckets.set(k, []);
    buckets.get(k)!.push(latency);
  }
  const all = rows.map(([, latency]) => latency);
  console.log(
    `S ${clock(m.startedAt)} ${steadyRate}/s × ${seconds} s, window ${windowMs ?? 'default'} ms, load ${loadavg()[0]!.toFixed(1)}: ` +
      `${rows.length} events, > ${slowMs} ms ${all.filter((x) => x > slowMs).length}, p50 ${pct(all, 0.5).toFixed(2)} ` +
      `p99 ${pct(all, 0.99).toFixed(2)} max ${max(all).toFixed(1)}`,
  );
  for (const [k, values] of [...buckets].sort((a, b) => a[0] - b[0])) {
    const at = m.startedAt + k * 10_000;
    const s0 = samples.findLast((s) => s[0] <= at + 1_000);
    const s1 = samples.find((s) => s[0] >= at + 9_000);
    const cpu = s0 && s1 && s1[0] > s0[0] ? ((s1[2] - s0[2]) / ((s1[0] - s0[0]) * 10)).toFixed(0) : '?';
    console.log(
      `  ${String(k * 10).padStart(3)}–${k * 10 + 10} s: ${values.length} events, > ${slowMs} ms ${values.filter((x) => x > slowMs).length}, ` +
        `p99 ${pct(values, 0.99).toFixed(2)} max ${max(values).toFixed(1)}; server RSS ${s1?.[1].toFixed(0) ?? '?'} MB, CPU ${cpu} %`,
    );
  }
}

for (const arm of arms) {
  if (arm === 'S') {
    await steady();
    continue;
  }
  let expiry: [number, number] | undefined; // when the burst's ids leave the window (wall ms)
  let measureAt = Date.now();
  if (arm === 'E' || arm === 'D') {
    const burst = await pair();
    const b = await run(burst, burstRate, burstCount);
    const burstEnd = b.startedAt + (burstCount / burstRate) * 1000;
    expiry = [b.startedAt + windowMs, burstEnd + windowMs];
    if (arm === 'D') await close(burst);
    else setTimeout(() => void close(burst), gapMs + 40_000); // after the measured run (its ids gone)
    measureAt = b.startedAt + gapMs;
  }
  const measured = await pair();
  await sleep(measureAt - Date.now());
  const m = await run(measured, rate, count);
  const pid = measured.consumer.pid;
  const first = JSON.parse(readFileSync(join(dump, `${pid}-phase${m.phase}-first.json`), 'utf8')) as number;
  const rows = JSON.parse(readFileSync(join(dump, `${pid}-phase${m.phase}.json`), 'utf8')) as Array<
    [number, number, number]
  >;
  await close(measured);
  // The would-be expiry in C: the same place in the run as in E and D.
  const [from] = expiry ?? [m.startedAt + windowMs - gapMs];
  const latencies = rows.map(([, latency]) => latency);
  const slow = rows
    .map(([, latency, arrival]) => ({ latency, at: first + arrival }))
    .filter((e) => e.latency > slowMs)
    .sort((a, b) => a.at - b.at);
  const stalls: Array<{ at: number; n: number; max: number }> = [];
  for (const e of slow) {
    const last = stalls.at(-1);
    if (last !== undefined && e.at - last.at < 200 + last.max) {
      last.n++;
      last.max = Math.max(last.max, e.latency);
    } else stalls.push({ at: e.at - e.latency, n: 1, max: e.latency });
  }
  const inWindow = (s: { at: number; max: number }) =>
    expiry !== undefined && s.at + s.max >= expiry[0] - 500 && s.at <= expiry[1] + 500;
  console.log(
    `${arm} ${clock(m.startedAt)} load ${loadavg()[0]!.toFixed(1)}: ${rows.length} events, > ${slowMs} ms ${slow.length}, ` +
      `p50 ${pct(latencies, 0.5).toFixed(2)} p99 ${pct(latencies, 0.99).toFixed(2)} max ${max(latencies).toFixed(1)}` +
      (expiry === undefined ? '' : `; ids expire ${clock(expiry[0])}–${clock(expiry[1])}`),
  );
  // Slow events per second inside the expiry window (±0.5 s) and in the rest of the run.
  const end = expiry === undefined ? from + 3_000 : expiry[1];
  const inside = slow.filter((e) => e.at >= from - 500 && e.at - e.latency <= end + 500).length;
  const insideS = (end - from + 1_000) / 1000;
  const runS = count / rate;
  console.log(
    `  > ${slowMs} ms per s: expiry window ${(inside / insideS).toFixed(1)} (${inside} in ${insideS.toFixed(1)} s), ` +
      `rest of the run ${((slow.length - inside) / (runS - insideS)).toFixed(1)}`,
  );
  const top = [...stalls].sort((a, b) => b.max - a.max).slice(0, 6);
  console.log(
    `  stalls (start after run began s, exp ±s, events, max ms): ` +
      top
        .map(
          (s) =>
            `${((s.at - m.startedAt) / 1000).toFixed(1)}s (exp ${((s.at - from) / 1000).toFixed(1)}) n${s.n} ${s.max.toFixed(0)}${inWindow(s) ? ' IN' : ''}`,
        )
        .join('; '),
  );
}
await sleep(1_000);
await nc.close();
process.exit(0);
