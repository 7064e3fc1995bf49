// A benchmark worker process: holds one subject's clients and runs the commands the parent sends.
import { mkdirSync, writeFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { type InprocSession, openInproc } from './inproc.ts';
import { AllocationMeter } from './measure/allocated.ts';
import type { PublishMode } from './measure/publish.ts';
import { sendOpenLoop } from './pacer.ts';
import { type BenchData, keyFor, makeData, padFor } from './payload.ts';
import type { ParentMessage, WorkerMessage } from './rpc.ts';
import { SampleBuffer, summarizeLatencies, wallNowMs } from './stats.ts';
import { loadTransport } from './subjects/registry.ts';
import type { ConsumerClient, ProducerClient, Subject, SubjectConfig } from './subjects/types.ts';
import { installTracing, type TracingMode } from './tracing.ts';

const name = process.argv[2] ?? 'worker';
const reply = (message: WorkerMessage) => process.send?.(message);
const log = (text: string) => reply({ type: 'log', text });

let env: Record<string, string> = {};
let subject: Subject | undefined;
let producer: ProducerClient | undefined;
let consumer: ConsumerClient | undefined;
let inproc: InprocSession | undefined;
let tracingShutdown: (() => Promise<void>) | undefined;

/** What the consumer saw, per phase. */
class PhaseStats {
  received = 0;
  firstAt = 0;
  lastAt = 0;
  readonly latencies = new SampleBuffer();
  /** Arrival offsets (ms since the phase's first arrival), kept only for BENCH_DEBUG_TAIL. */
  readonly arrivals = new SampleBuffer();
}
const debugTail = process.env.BENCH_DEBUG_TAIL === '1';
/** A directory to write each phase's [index, latency ms, arrival ms] to, as JSON (latency debugging). */
const debugDump = process.env.BENCH_DEBUG_DUMP;
const phases = new Map<number, PhaseStats>();
/** With BENCH_DEBUG_DUMP: this process's GC pauses as [wall start ms, duration ms, kind], to lay beside slow events. */
const gcPauses: Array<[number, number, number]> = [];
if (debugDump !== undefined) {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      gcPauses.push([
        round3(performance.timeOrigin + e.startTime),
        round3(e.duration),
        (e as { detail?: { kind?: number } }).detail?.kind ?? 0,
      ]);
  }).observe({ entryTypes: ['gc'] });
}
const waiters = new Set<() => void>();
const allocation = new AllocationMeter();

/**
 * BENCH_DEBUG_HEAP=1: a line per subscribe and per finished phase with the process's RSS, the young
 * and old generation's sizes and the GCs so far by kind (RSS mode debugging: which phase grew what).
 */
const debugHeap = process.env.BENCH_DEBUG_HEAP === '1';
const gcCounts = { scavenge: 0, markCompact: 0, other: 0 };
if (debugHeap) {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as { detail?: { kind?: number } }).detail?.kind ?? 0;
      if (kind === 1) gcCounts.scavenge++;
      else if (kind === 4) gcCounts.markCompact++;
      else gcCounts.other++;
    }
  }).observe({ entryTypes: ['gc'] });
}
function logHeap(what: string): void {
  if (!debugHeap) return;
  const mb = (n: number) => (n / 1048576).toFixed(1);
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s]));
  const young = spaces.new_space;
  const old = spaces.old_space;
  log(
    `heap pid ${process.pid} ${what}: rss ${mb(process.memoryUsage().rss)} max ${(process.resourceUsage().maxRSS / 1024).toFixed(1)}` +
      ` | new ${mb(young?.space_size ?? 0)} (used ${mb(young?.space_used_size ?? 0)}) old ${mb(old?.space_size ?? 0)} (used ${mb(old?.space_used_size ?? 0)})` +
      ` | gc s ${gcCounts.scavenge} mc ${gcCounts.markCompact} other ${gcCounts.other}`,
  );
}

function onData(data: BenchData): void {
  const now = wallNowMs();
  let stats = phases.get(data.p);
  if (stats === undefined) {
    stats = new PhaseStats();
    phases.set(data.p, stats);
  }
  if (stats.received === 0) stats.firstAt = now;
  stats.received++;
  stats.lastAt = now;
  stats.latencies.push(now - data.t);
  if (debugTail || debugDump !== undefined) stats.arrivals.push(now - stats.firstAt);
  for (const w of waiters) w();
}

async function openSubject(args: {
  transport: string;
  subject: string;
  env: Record<string, string>;
  tracing?: TracingMode;
}): Promise<void> {
  env = args.env;
  if (args.tracing !== undefined) tracingShutdown = installTracing(args.tracing).shutdown;
  if (args.subject === 'none') return; // in-process scenarios bring their own bus
  const module = await loadTransport(args.transport);
  if (module.load !== undefined) {
    subject = await module.load(args.subject);
    return;
  }
  const { available, missing } = await module.subjects();
  subject = available.find((s) => s.id === args.subject);
  if (subject === undefined) {
    const why = missing.find((m) => m.id === args.subject)?.reason ?? 'unknown subject';
    throw new Error(`${args.transport}/${args.subject} is not available: ${why}`);
  }
}

const need = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new Error(`${name}: ${what} is not open`);
  return value;
};

function dumpPhase(dir: string, phase: number, s: PhaseStats): void {
  const lat = s.latencies.values();
  const arr = s.arrivals.values();
  const rows = [...lat.keys()].map((k) => [k, round3(lat[k]!), round3(arr[k]!)]);
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/${process.pid}-phase${phase}.json`, JSON.stringify(rows));
  writeFileSync(`${dir}/${process.pid}-phase${phase}-first.json`, JSON.stringify(s.firstAt));
  dumpGc(dir);
}

function dumpGc(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/${process.pid}-gc.json`, JSON.stringify(gcPauses));
}
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** The ten slowest events of a phase: arrival order, latency, arrival time (BENCH_DEBUG_TAIL=1). */
function slowest(s: PhaseStats): Array<[number, number, number]> {
  const lat = s.latencies.values();
  const arr = s.arrivals.values();
  return [...lat.keys()]
    .sort((a, b) => lat[b]! - lat[a]!)
    .slice(0, 10)
    .map((k) => [k, Math.round(lat[k]!), Math.round(arr[k]!)]);
}

// biome-ignore lint/suspicious/noExplicitAny: each command declares its own argument type
const commands: Record<string, (args: any) => Promise<unknown>> = {
  async open(args) {
    await openSubject(args);
    return { pid: process.pid };
  },
  async prepareTopic(args: { topic: string; partitions: number; config: SubjectConfig }) {
    await need(subject, 'subject').prepareTopic(args.topic, args.config, env, {
      partitions: args.partitions,
    });
    return null;
  },
  async openProducer(args: { config: SubjectConfig }) {
    producer = await need(subject, 'subject').producer(args.config, env);
    return null;
  },
  async openConsumer(args: { config: SubjectConfig }) {
    consumer = await need(subject, 'subject').consumer(args.config, env);
    return null;
  },
  async subscribe(args: { topic: string; group: string }) {
    const started = performance.now();
    logHeap(`subscribe ${args.topic}`);
    await need(consumer, 'consumer').subscribe(args.topic, args.group, onData);
    return { readyMs: performance.now() - started };
  },
  /**
   * One timed publish run: `sequential` awaits each, `concurrent` keeps `inFlight` open, `batch` sends
   * batch calls of `inFlight` one at a time, `emit` fires and flushes.
   */
  async publish(args: {
    topic: string;
    mode: PublishMode;
    count: number;
    phase: number;
    payloadBytes: number;
    inFlight: number;
  }) {
    const p = need(producer, 'producer');
    const pad = padFor(args.payloadBytes);
    const make = (i: number) => ({ key: keyFor(i), data: makeData(args.phase, i, pad, wallNowMs()) });
    const started = performance.now();
    if (args.mode === 'sequential') {
      for (let i = 0; i < args.count; i++) await p.publish(args.topic, make(i));
    } else if (args.mode === 'concurrent') {
      await p.publishMany(args.topic, args.count, make, args.inFlight);
    } else if (args.mode === 'batch') {
      if (p.publishBatches === undefined) throw new Error('this subject has no batch call');
      await p.publishBatches(args.topic, args.count, make, args.inFlight);
    } else {
      if (p.emitMany === undefined) throw new Error('this subject has no fire-and-forget form');
      await p.emitMany(args.topic, args.count, make);
    }
    return { elapsedMs: performance.now() - started, count: args.count };
  },
  /** Open loop: sends `count` messages at `rate` per second without waiting for acknowledgements. */
  async sendAtRate(args: {
    topic: string;
    rate: number;
    count: number;
    phase: number;
    payloadBytes: number;
  }) {
    const p = need(producer, 'producer');
    const pad = padFor(args.payloadBytes);
    let errors = 0;
    let firstError: string | undefined;
    const onError = (e: unknown) => {
      errors++;
      firstError ??= e instanceof Error ? e.message : String(e);
    };
    // Each event carries its *scheduled* send time, not the moment the loop got to it: a stall in
    // the producer (GC, a busy core) then shows up as latency instead of being hidden by late
    // timestamps (coordinated omission). The pacer wakes within ~0.1 ms of the due time (pacer.ts).
    /** With BENCH_DEBUG_DUMP: how late each event's send call came after its scheduled time (ms). */
    const late = debugDump !== undefined && args.phase >= 0 ? new Float64Array(args.count) : undefined;
    const { elapsedMs, startedWall } = await sendOpenLoop(args.count, args.rate, (i, dueAt) => {
      if (late !== undefined) late[i] = wallNowMs() - dueAt;
      p.send(args.topic, { key: keyFor(i), data: makeData(args.phase, i, pad, dueAt) }, onError);
    });
    const interval = 1000 / args.rate;
    if (late !== undefined && debugDump !== undefined) {
      mkdirSync(debugDump, { recursive: true });
      writeFileSync(
        `${debugDump}/${process.pid}-send${args.phase}.json`,
        JSON.stringify({ startedWall, interval, late: [...late].map(round3) }),
      );
      dumpGc(debugDump);
    }
    return { sent: args.count, errors, firstError, elapsedMs };
  },
  /** Resolves when `count` messages of `phase` arrived, or at the timeout with what did. */
  async expect(args: { phase: number; count: number; timeoutMs: number; keepSamples?: boolean }) {
    const deadline = Date.now() + args.timeoutMs;
    const stats = () => phases.get(args.phase);
    await new Promise<void>((resolve) => {
      const check = () => {
        if ((stats()?.received ?? 0) >= args.count || Date.now() >= deadline) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        }
      };
      const timer = setTimeout(check, Math.max(0, deadline - Date.now()) + 5);
      waiters.add(check);
      check();
    });
    const s = stats();
    logHeap(`phase ${args.phase} done (${s?.received ?? 0} events)`);
    if (debugDump !== undefined && s !== undefined && args.phase >= 0) dumpPhase(debugDump, args.phase, s);
    const result = {
      received: s?.received ?? 0,
      firstAt: s?.firstAt ?? 0,
      lastAt: s?.lastAt ?? 0,
      latency: s === undefined ? undefined : summarizeLatencies(s.latencies.values()),
      firstLatencyMs: s === undefined || s.latencies.length === 0 ? undefined : s.latencies.values()[0],
      ...(debugTail && s !== undefined ? { tail: slowest(s) } : {}),
    };
    return result;
  },
  async inprocOpen(args) {
    inproc = await openInproc({ ...args, log });
    return inproc.config;
  },
  async inprocRun(args: { phase: number }) {
    return need(inproc, 'in-process session').run(args.phase);
  },
  async inprocClose() {
    const spans = await need(inproc, 'in-process session').close();
    inproc = undefined;
    return spans;
  },
  async rss() {
    return process.resourceUsage().maxRSS / 1024;
  },
  /** Starts counting the bytes this process allocates (measure/allocated.ts). */
  async allocStart() {
    allocation.start();
    return null;
  },
  /** Bytes allocated and GCs since `allocStart`. */
  async allocStop() {
    return allocation.stop();
  },
  /** The process's CPU time so far, µs (user + system): probes difference two readings. */
  async cpu() {
    const { user, system } = process.cpuUsage();
    return user + system;
  },
  async close() {
    await Promise.allSettled([producer?.close(), consumer?.close()]);
    producer = undefined;
    consumer = undefined;
    await tracingShutdown?.();
    return null;
  },
};

process.on('message', (message: ParentMessage) => {
  const command = commands[message.command];
  if (command === undefined) {
    reply({ type: 'reply', id: message.id, ok: false, error: `unknown command ${message.command}` });
    return;
  }
  command(message.args).then(
    (value) => reply({ type: 'reply', id: message.id, ok: true, value }),
    (error: unknown) =>
      reply({
        type: 'reply',
        id: message.id,
        ok: false,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
  );
});
process.on('disconnect', () => {
  // The parent went away: leave without waiting on clients that may be stuck.
  setTimeout(() => process.exit(0), 2_000).unref();
  Promise.allSettled([producer?.close(), consumer?.close()]).then(() => process.exit(0));
});
process.on('unhandledRejection', (error) => {
  log(`unhandled rejection: ${error instanceof Error ? error.message : String(error)}`);
});
