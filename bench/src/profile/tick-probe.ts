// Producer or consumer of the latency scenario's shape, in this process, for allocation and CPU per event:
//   node --conditions=@switchyard/source --trace-gc-nvp bench/src/profile/tick-probe.ts produce redis switchyard 20000 <topic> [per tick]
//   node --conditions=@switchyard/source --trace-gc-nvp bench/src/profile/tick-probe.ts consume redis switchyard 20000 <topic>
// `produce` sends `per tick` events every millisecond (1 = 1,000/s) as the latency scenario's sender does;
// `consume` subscribes and counts until `count` events arrived (start it first, then `produce`).
// PROBE_CONFIG (e.g. '{"preset":"latency"}') and PROBE_PARTITIONS (default 1) shape both sides.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import { loadBrokerEnv } from '../env.ts';
import { keyFor, makeData, padFor } from '../payload.ts';
import { wallNowMs } from '../stats.ts';
import { loadTransport } from '../subjects/registry.ts';

const [
  what = 'produce',
  transport = 'redis',
  id = 'switchyard',
  total = '20000',
  topic = 'probe',
  perTickArg = '1',
] = process.argv.slice(2);
const count = Number(total);
/** PROBE_CONFIG='{"preset":"latency"}': the subject config of producer, consumer and topic (as latency-cross.ts takes). */
const config = JSON.parse(process.env.PROBE_CONFIG ?? '{}') as Record<string, string | number | boolean>;
const partitions = Number(process.env.PROBE_PARTITIONS ?? 1);
const env = loadBrokerEnv();
const module = await loadTransport(transport);
const subject =
  module.load !== undefined
    ? await module.load(id)
    : (await module.subjects()).available.find((s) => s.id === id)!;
const gc = { n: 0, ms: 0, max: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.n++;
    gc.ms += e.duration;
    gc.max = Math.max(gc.max, e.duration);
  }
}).observe({ entryTypes: ['gc'] });
// PROBE_HEAP=file.json: a sampling heap profile that keeps objects already collected (what was allocated, not what lives).
const heapFile = process.env.PROBE_HEAP;
const session = heapFile === undefined ? undefined : new Session();
const startHeap = async () => {
  if (session === undefined) return;
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 1024,
    // PROBE_HEAP_LIVE=1: only what is still alive at the end (what accumulates).
    includeObjectsCollectedByMajorGC: process.env.PROBE_HEAP_LIVE !== '1',
    // PROBE_HEAP_KEEP=major: what outlived the young generation (promoted, collected by a full GC later).
    includeObjectsCollectedByMinorGC:
      process.env.PROBE_HEAP_LIVE !== '1' && process.env.PROBE_HEAP_KEEP !== 'major',
  });
};
const stopHeap = async () => {
  if (session === undefined || heapFile === undefined) return;
  const { profile } = await session.post('HeapProfiler.stopSampling');
  writeFileSync(heapFile, JSON.stringify(profile));
};
const report = (label: string, cpu0: NodeJS.CpuUsage, t0: number) => {
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `${label} ${id}: [from ${Math.round(t0)} to ${Math.round(performance.now())} ms] ${count} events in ${Math.round(performance.now() - t0)} ms, ` +
      `${((cpu.user + cpu.system) / count).toFixed(1)} CPU µs/event, GC ${gc.n}× ${gc.ms.toFixed(1)} ms (max ${gc.max.toFixed(2)}), ` +
      `rss ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
  );
};
if (what === 'produce') {
  const perTick = Number(perTickArg);
  const p = await subject.producer(config, env);
  const pad = padFor(100);
  let errors = 0;
  await startHeap();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let sent = 0; sent < count; ) {
    for (let k = 0; k < perTick && sent < count; k++, sent++)
      p.send(topic, { key: keyFor(sent), data: makeData(0, sent, pad, wallNowMs()) }, () => errors++);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  report('produce', cpu0, t0);
  await stopHeap();
  await p.close();
  if (errors > 0) console.log(`${errors} errors`);
} else {
  await subject.prepareTopic(topic, config, env, { partitions });
  const c = await subject.consumer(config, env);
  let n = 0;
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  const lat: number[] = [];
  await new Promise<void>((resolve) => {
    void c.subscribe(topic, `g_${topic}`, (data) => {
      if (n === 0) {
        cpu0 = process.cpuUsage();
        t0 = performance.now();
        gc.n = gc.ms = gc.max = 0;
        void startHeap();
      }
      lat.push(wallNowMs() - data.t);
      if (++n === count) resolve();
    });
  });
  report('consume', cpu0, t0);
  await stopHeap();
  lat.sort((a, b) => a - b);
  console.log(
    `  send→handler p50 ${lat[Math.floor(count / 2)]!.toFixed(2)} p99 ${lat[Math.floor(count * 0.99)]!.toFixed(2)} ms`,
  );
  await c.close();
}
process.exit(0);
