// One benchmark workload in this process, for `node --cpu-prof` (with --conditions=@switchyard/source,
// which makes @switchyard/* imports run the workspace sources). Examples:
//   node --conditions=@switchyard/source --cpu-prof --cpu-prof-dir=/tmp/prof bench/src/profile/run.ts inproc switchyard sampled [events] [runs]
//   node --conditions=@switchyard/source --cpu-prof --cpu-prof-dir=/tmp/prof bench/src/profile/run.ts publish kafka switchyard concurrent|batch|emit [events] [off|api|sampled|always] [preset] [payload bytes] [in flight]
//   (publish prints each round's rate, CPU µs per event and JS-heap bytes allocated per event)
//   (Kafka: preset durable|throughput|latency, default durable; BENCH_KAFKA='{"lingerMs":5}' adds producer/consumer fields as the bench's configs do)
//   node --conditions=@switchyard/source bench/src/profile/run.ts fill nats switchyard 50000 my_topic [payload bytes, 100]   (then)
//   node --conditions=@switchyard/source --cpu-prof --cpu-prof-dir=/tmp/prof bench/src/profile/run.ts consume nats switchyard 50000 my_topic
//   node --conditions=@switchyard/source bench/src/profile/run.ts send nats switchyard 10000 50000 [payload bytes] [topic]   (open loop at 10,000/s, as the latency producer; with consume on the same topic: a live consumer)
// and summarise with: node bench/src/profile/summarize.ts /tmp/prof/*.cpuprofile [top] [function-for-callers]
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { GCProfiler, getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { loadBrokerEnv } from '../env.ts';
import { openInproc } from '../inproc.ts';
import { sendOpenLoop } from '../pacer.ts';
import { keyFor, makeData, padFor } from '../payload.ts';
import { wallNowMs } from '../stats.ts';
import { loadTransport } from '../subjects/registry.ts';
import { installTracing, type TracingMode } from '../tracing.ts';
import { scavengeSurvivors } from './gc-survivors.ts';

const [what = 'inproc', ...rest] = process.argv.slice(2);
const env = loadBrokerEnv();
const makeOf = (payloadBytes: number) => {
  const pad = padFor(payloadBytes);
  return (i: number) => ({ key: keyFor(i), data: makeData(0, i, pad, wallNowMs()) });
};

async function subject(transport: string, id: string) {
  const module = await loadTransport(transport);
  // As the bench's workers do: load only that subject, so a raw client is not patched by the adapter.
  if (module.load !== undefined) return module.load(id);
  const found = (await module.subjects()).available.find((s) => s.id === id);
  if (found === undefined) throw new Error(`no subject ${id} on ${transport}`);
  return found;
}

if (what === 'inproc') {
  const [who = 'switchyard', tracing = 'off', events = '200000', runs = '3'] = rest;
  const session = await openInproc({
    subject: who === 'bare' ? 'bare' : 'switchyard',
    tracing: tracing as TracingMode,
    events: Number(events),
    warmupEvents: 50_000,
    payloadBytes: 100,
    concurrency: 16,
    chunk: 1_000,
  });
  for (let r = 0; r < Number(runs); r++) {
    const cpu = process.cpuUsage();
    const ms = await session.run(r);
    const used = process.cpuUsage(cpu);
    // CPU per event is steadier than the rate on a shared machine: it does not count waiting.
    console.log(
      who,
      tracing,
      Math.round((Number(events) / ms) * 1000),
      'events/s',
      ((used.user + used.system) / Number(events)).toFixed(2),
      'CPU µs/event',
    );
  }
  await session.close();
} else if (what === 'publish') {
  const [
    transport = 'kafka',
    id = 'switchyard',
    mode = 'concurrent',
    total = '50000',
    tracing = 'off',
    preset = 'durable',
    payload = '100',
    inFlight = '1000',
  ] = rest;
  const s = await subject(transport, id);
  installTracing(tracing as TracingMode);
  const extra = process.env.BENCH_KAFKA === undefined ? {} : JSON.parse(process.env.BENCH_KAFKA);
  const config = { ...(transport === 'kafka' ? { preset, ...extra } : {}), tracing };
  const make = makeOf(Number(payload));
  const topic = `bench_prof_${Date.now()}`;
  await s.prepareTopic(topic, config, env, { partitions: 3 });
  const p = await s.producer(config, env);
  // PROFILE_ROUNDS=8: more timed rounds, to watch the rate settle as the JIT and the heap warm up.
  const rounds = Number(process.env.PROFILE_ROUNDS ?? 2);
  for (const n of [10_000, ...Array.from({ length: rounds }, () => Number(total))]) {
    const t = performance.now();
    const allocated = heapAllocation();
    const cpu = process.cpuUsage();
    if (mode === 'emit') await p.emitMany!(topic, n, make);
    else if (mode === 'batch') await p.publishBatches!(topic, n, make, Number(inFlight));
    else await p.publishMany(topic, n, make, Number(inFlight));
    const used = process.cpuUsage(cpu);
    const bytesPerEvent = Math.round(allocated().bytes / n);
    // CPU per event is steadier than the rate on a shared machine: it does not count waiting.
    const cpuPerEvent = ((used.user + used.system) / n).toFixed(2);
    console.log(
      id,
      mode,
      ...(transport === 'kafka' ? [preset, `${payload} B`] : []),
      n,
      Math.round((n / (performance.now() - t)) * 1000),
      '/s',
      cpuPerEvent,
      'CPU µs/event',
      bytesPerEvent,
      'heap B/event',
    );
  }
  await p.close();
} else if (what === 'fill' || what === 'consume') {
  const [transport = 'nats', id = 'switchyard', n = '50000', topic = `bench_prof_${Date.now()}`, bytes] =
    rest;
  const count = Number(n);
  const make = makeOf(bytes === undefined ? 100 : Number(bytes));
  const s = await subject(transport, id);
  const config = transport === 'kafka' ? { preset: 'durable' } : {};
  if (what === 'fill') {
    await s.prepareTopic(topic, config, env, { partitions: 3 });
    const p = await s.producer(config, env);
    await p.publishMany(topic, count, make, 1_000);
    await p.close();
    console.log(`filled ${topic} with ${count}`);
  } else {
    const c = await s.consumer(config, env);
    // Peaks of the process's memory, sampled: which part of it makes the peak RSS.
    const peak = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
    const spaces = new Map<string, number>();
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      for (const k of Object.keys(peak) as Array<keyof typeof peak>) peak[k] = Math.max(peak[k], m[k]);
      for (const space of getHeapSpaceStatistics())
        spaces.set(space.space_name, Math.max(spaces.get(space.space_name) ?? 0, space.space_size));
    }, 100);
    sampler.unref();
    const cpu = process.cpuUsage();
    let got = 0;
    let first = 0;
    let last = 0;
    const done = Promise.withResolvers<void>();
    // V8 heap bytes allocated from the first event on (heapAllocation below).
    let allocation: ReturnType<typeof heapAllocation> | undefined;
    // RUN_HEAP=file.json: a sampled allocation profile of the consume (RUN_HEAP_KEEP=major: only
    // what survived the young generation, i.e. what fills the old one; default: everything allocated).
    const heap = process.env.RUN_HEAP === undefined ? undefined : new Session();
    if (heap !== undefined) {
      heap.connect();
      await heap.post('HeapProfiler.startSampling', {
        samplingInterval: 1024,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: process.env.RUN_HEAP_KEEP !== 'major',
      });
    }
    await c.subscribe(topic, `g_${Date.now()}`, () => {
      const now = performance.now();
      if (got === 0) {
        first = now;
        allocation = heapAllocation();
      }
      last = now;
      if (++got === count) done.resolve();
    });
    await done.promise;
    const used = process.cpuUsage(cpu);
    if (heap !== undefined) {
      const { profile } = await heap.post('HeapProfiler.stopSampling');
      writeFileSync(process.env.RUN_HEAP!, JSON.stringify(profile));
    }
    const { bytes: allocated, collections, survived, promoted, fullGCs } = allocation!();
    console.log(
      id,
      'consume',
      Math.round(((count - 1) / (last - first)) * 1000),
      '/s',
      ((used.user + used.system) / count).toFixed(2),
      'CPU µs/event,',
      Math.round(process.resourceUsage().maxRSS / 1024),
      'MB peak RSS;',
      Math.round(allocated / count),
      'B allocated/event,',
      collections,
      `GCs (${fullGCs} full),`,
      Math.round(survived / count),
      `B survived scavenges/event (${Math.round(promoted / count)} promoted);`,
      'sampled peaks MB',
      Object.entries(peak)
        .map(([k, v]) => `${k} ${Math.round(v / 2 ** 20)}`)
        .join(', '),
      '; heap spaces MB',
      [...spaces]
        .filter(([, v]) => v >= 2 ** 20)
        .map(([k, v]) => `${k.replace('_space', '')} ${Math.round(v / 2 ** 20)}`)
        .join(', '),
    );
    clearInterval(sampler);
    await c.close();
  }
} else if (what === 'send') {
  // Open loop as the latency scenario's producer (worker.ts sendAtRate): `rate` events per second.
  const [transport = 'nats', id = 'switchyard', r = '10000', n = '50000', bytes = '100', named] = rest;
  const rate = Number(r);
  const count = Number(n);
  const make = makeOf(Number(bytes));
  const s = await subject(transport, id);
  const config = transport === 'kafka' ? { preset: 'durable' } : {};
  const topic = named ?? `bench_prof_${Date.now()}`;
  await s.prepareTopic(topic, config, env, { partitions: 3 });
  const p = await s.producer(config, env);
  let errors = 0;
  const onError = () => {
    errors++;
  };
  const cpu = process.cpuUsage();
  const { elapsedMs: elapsed } = await sendOpenLoop(count, rate, (i) => p.send(topic, make(i), onError));
  const used = process.cpuUsage(cpu);
  console.log(
    id,
    'send',
    rate,
    '/s for',
    count,
    `(${Math.round(elapsed)} ms, ${errors} errors)`,
    ((used.user + used.system) / count).toFixed(2),
    'CPU µs/event,',
    Math.round(process.resourceUsage().maxRSS / 1024),
    'MB peak RSS',
  );
  await p.close();
} else {
  console.error('usage: run.ts inproc|publish|fill|consume|send …');
  process.exit(2);
}

/**
 * Bytes allocated on the JS heap from now until the returned function is called: what the heap
 * grew by between collections, added up (GCProfiler reports the heap before and after each one).
 * Buffers' memory outside the heap is not counted.
 */
function heapAllocation(): () => {
  bytes: number;
  collections: number;
  survived: number;
  promoted: number;
  fullGCs: number;
} {
  const profiler = new GCProfiler();
  const start = getHeapStatistics().used_heap_size;
  profiler.start();
  return () => {
    const end = getHeapStatistics().used_heap_size;
    const gcs = profiler.stop()?.statistics ?? [];
    let allocated = 0;
    let survived = 0;
    let promoted = 0;
    let fullGCs = 0;
    let from = start;
    for (const gc of gcs) {
      allocated += gc.beforeGC.heapStatistics.usedHeapSize - from;
      from = gc.afterGC.heapStatistics.usedHeapSize;
      const kept = scavengeSurvivors(gc);
      survived += kept.copied + kept.promoted;
      promoted += kept.promoted;
      if (gc.gcType === 'MarkSweepCompact') fullGCs++;
    }
    return { bytes: allocated + end - from, collections: gcs.length, survived, promoted, fullGCs };
  };
}
