// Where each event of a NATS (or Kafka) latency run spent its time, split at the server's own store timestamp:
//   node --conditions=@switchyard/source bench/src/profile/latency-split.ts [rate] [count] [rounds] [subjects] [slow ms]
//   node --conditions=@switchyard/source bench/src/profile/latency-split.ts 1000 5000 3 switchyard,nats.js,nats.js+same 2.5
// Each subject gets its own producer and consumer (the bench's workers, src/worker.ts) and topic,
// warmed up once; each round runs every subject once, in rotating order. After a run the stream is
// read back: JetStream stamps every message when it stores it (`info.timestampNanos`, the server's
// wall clock, the same clock as the workers'), so an event's latency splits into
//   send late (the producer's timer) | sent → stored (producer, wire, server) | stored → handled (server delivery, consumer).
// Prints percentiles of each part, how many slow events (> slow ms) lie on which side and overlap a
// GC pause of either process, and the slow events grouped in bursts (first at, how many, the worst,
// the median of each part), which shows whether the tail is periodic. PROBE_BYTES sets the payload.
// PROBE_SERVER_PID: the broker's CPU µs per event too. With the wire-times.ts preload
// (WIRE_TIMES_DIR=<dir> NODE_OPTIONS="--import <path>/wire-times.ts") the two middle parts split
// further at the producer's socket write and the consumer's socket read: five parts per event, and
// the slow events counted by their largest part.
// SPLIT_TRANSPORT=kafka: the same on Kafka (subjects such as switchyard, switchyard-platformatic,
// kafkajs), on a topic the broker stamps (`LogAppendTime`, ms resolution: the store time of an event
// is exact only to 1 ms, the sum of the two middle parts exactly); PROBE_CONFIG sets the workers'
// config (e.g. '{"preset":"latency"}'). The payload must go uncompressed for wire-times.ts (the
// `latency` preset does).
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { loadBrokerEnv } from '../env.ts';
import type { Worker } from '../rpc.ts';
import { loadTransport } from '../subjects/registry.ts';
import { appendTimes, createAppendTimeTopic } from './kafka-stored-times.ts';
import { openWorker, processCpuMicros } from './probe-workers.ts';

const args = process.argv.slice(2);
const rate = Number(args[0] ?? 1_000);
const count = Number(args[1] ?? 5_000);
const rounds = Number(args[2] ?? 3);
const subjects = (args[3] ?? 'switchyard,nats.js').split(',');
const slowMs = Number(args[4] ?? 2.5);
const payloadBytes = Number(process.env.PROBE_BYTES ?? 100);
const env = loadBrokerEnv();
const transport = process.env.SPLIT_TRANSPORT ?? 'nats';
const workerConfig = JSON.parse(process.env.PROBE_CONFIG ?? '{}') as Record<
  string,
  string | number | boolean
>;
const stamp = `ls${Date.now().toString(36)}`;
const dump = mkdtempSync(join(tmpdir(), 'latency-split-'));
process.env.BENCH_DEBUG_DUMP = dump; // the workers inherit it: per-event arrivals, send lateness, GC pauses
const serverPid = process.env.PROBE_SERVER_PID;
const serverCpu = (): number => processCpuMicros(serverPid);
const wireDir = process.env.WIRE_TIMES_DIR;
/** From the wire-times.ts preload: when process `pid` wrote (kind 1) or read (kind 2) each event of `phase`. */
function wireTimes(pid: number, kind: number, phase: number): Map<number, number> {
  const times = new Map<number, number>();
  let text = '';
  try {
    text = readFileSync(join(wireDir!, `${pid}-wire.jsonl`), 'utf8');
  } catch {
    return times;
  }
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const rows = JSON.parse(line) as number[];
    for (let k = 0; k < rows.length; k += 4)
      if (rows[k] === kind && rows[k + 2] === phase && !times.has(rows[k + 3]!))
        times.set(rows[k + 3]!, rows[k + 1]!);
  }
  return times;
}
const read = <T>(name: string): T => JSON.parse(readFileSync(join(dump, name), 'utf8')) as T;
const pct = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
};
const f = (x: number) => x.toFixed(2);
type Gc = Array<[number, number, number]>;

const nc =
  transport === 'nats' ? await connect({ servers: env.NATS_URL ?? 'nats://127.0.0.1:4222' }) : undefined;
const js = nc === undefined ? undefined : jetstream(nc);
const jsm = nc === undefined ? undefined : await jetstreamManager(nc);

const open = (name: string, subject: string, role: 'Producer' | 'Consumer') =>
  openWorker(name, { transport, subject, env }, role, workerConfig);

/** The stored time (ms, wall clock) of each event of a phase, by its index. */
async function storedTimes(topic: string, phase: number): Promise<Map<number, number>> {
  if (jsm === undefined || js === undefined) return appendTimes(env, topic, phase, count);
  const stream = (await jsm.streams.find(topic).catch(() => undefined)) ?? topic;
  const info = await jsm.streams.info(stream);
  const times = new Map<number, number>();
  const from = Math.max(info.state.first_seq, info.state.last_seq - count * 2 + 1);
  const consumer = await js.consumers.get(stream, {
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: from,
  });
  const messages = await consumer.fetch({ max_messages: info.state.last_seq - from + 1, expires: 5_000 });
  for await (const m of messages) {
    const data = m.json<{ p: number; i: number }>();
    if (data.p === phase) times.set(data.i, m.info.timestampNanos / 1e6);
    if (m.seq >= info.state.last_seq) break;
  }
  return times;
}

interface Pair {
  subject: string;
  producer: Worker;
  consumer: Worker;
  topic: string;
}
const pairs: Pair[] = [];
let phase = 0;
for (const subject of subjects) {
  const topic = `${stamp}_${pairs.length}`;
  const consumer = await open(`consumer-${subject}`, subject, 'Consumer');
  const producer = await open(`producer-${subject}`, subject, 'Producer');
  if (transport === 'kafka') await createAppendTimeTopic(env, topic, 3);
  await consumer.call('prepareTopic', { topic, partitions: 3, config: workerConfig }, 60_000);
  await consumer.call('subscribe', { topic, group: `g_${topic}` }, 60_000);
  phase++;
  const warmed = consumer.call('expect', { phase: -phase, count: 1_000, timeoutMs: 60_000 }, 70_000);
  await producer.call(
    'sendAtRate',
    { topic, rate: 1_000, count: 1_000, phase: -phase, payloadBytes },
    60_000,
  );
  await warmed;
  pairs.push({ subject, producer, consumer, topic });
}

for (let round = 0; round < rounds; round++) {
  for (let k = 0; k < pairs.length; k++) {
    const pair = pairs[(k + round) % pairs.length]!;
    phase++;
    const server0 = serverCpu();
    const cpu0 = (await pair.consumer.call('cpu', {}, 10_000)) as number;
    await pair.consumer.call('allocStart', {}, 10_000);
    const timeoutMs = (count / rate) * 1000 + 15_000;
    const expected = pair.consumer.call('expect', { phase, count, timeoutMs }, timeoutMs + 10_000);
    await pair.producer.call(
      'sendAtRate',
      { topic: pair.topic, rate, count, phase, payloadBytes },
      timeoutMs,
    );
    await expected;
    const cpu = ((await pair.consumer.call('cpu', {}, 10_000)) as number) - cpu0;
    const alloc = (await pair.consumer.call('allocStop', {}, 10_000)) as { bytes: number; gcs: number };
    if (wireDir !== undefined) await new Promise((resolve) => setTimeout(resolve, 500)); // the preload's flush
    const server =
      serverPid === undefined ? '' : `, server ${((serverCpu() - server0) / count).toFixed(1)} µs/event`;
    const consumerCost =
      `, consumer ${(cpu / count).toFixed(0)} CPU µs/event, ${(alloc.bytes / count / 1024).toFixed(1)} KB allocated/event, ` +
      `${alloc.gcs} GCs`;
    report(pair, phase, await storedTimes(pair.topic, phase), `${server}${consumerCost}`);
  }
}

function report(pair: Pair, phase: number, stored: Map<number, number>, server: string): void {
  const send = read<{ startedWall: number; interval: number; late: number[] }>(
    `${pair.producer.pid}-send${phase}.json`,
  );
  const first = read<number>(`${pair.consumer.pid}-phase${phase}-first.json`);
  const producerGc = read<Gc>(`${pair.producer.pid}-gc.json`);
  const consumerGc = read<Gc>(`${pair.consumer.pid}-gc.json`);
  const during = (gc: Gc, from: number, to: number) =>
    gc.some(([start, duration]) => start < to && start + duration > from);
  const events = read<Array<[number, number, number]>>(`${pair.consumer.pid}-phase${phase}.json`).map(
    ([, latency, arrival]) => {
      const at = first + arrival;
      const scheduled = at - latency;
      const i = Math.round((scheduled - send.startedWall) / send.interval);
      const late = send.late[i] ?? 0;
      const storedAt = stored.get(i) ?? Number.NaN;
      const call = scheduled + late;
      return {
        call,
        storedAt,
        handledAt: at,
        i,
        latency,
        late,
        toStore: storedAt - scheduled - late,
        toHandler: at - storedAt,
        producerGc: during(producerGc, scheduled, storedAt),
        consumerGc: during(consumerGc, storedAt, at),
      };
    },
  );
  // Per event, for a closer look: [index, latency, send late, sent → stored, stored → handled] (ms).
  writeFileSync(
    join(dump, `split-${pair.subject}-${phase}.json`),
    JSON.stringify(
      events.map((e) =>
        [e.i, e.latency, e.late, e.toStore, e.toHandler].map((x) => Math.round(x * 1000) / 1000),
      ),
    ),
  );
  const part = (name: string, values: number[]) =>
    `${name} p50 ${f(pct(values, 0.5))} p99 ${f(pct(values, 0.99))} max ${f(Math.max(...values))}`;
  const slow = events.filter((e) => e.latency > slowMs);
  const consumerSide = slow.filter((e) => e.toHandler >= e.toStore + e.late);
  const split: Array<[string, (e: (typeof events)[number]) => number]> = [
    ['total', (e) => e.latency],
    ['late', (e) => e.late],
    ['sent→stored', (e) => e.toStore],
    ['stored→handled', (e) => e.toHandler],
  ];
  console.log(
    `${pair.subject} phase ${phase}, ${events.length} events, load ${loadavg()[0]!.toFixed(1)}${server}: ` +
      split.map(([name, of]) => part(name, events.map(of))).join(' | '),
  );
  console.log(
    `  > ${slowMs} ms: ${slow.length} (consumer side ${consumerSide.length}, during a GC pause: producer ` +
      `${slow.filter((e) => e.producerGc).length}, consumer ${slow.filter((e) => e.consumerGc).length})`,
  );
  if (wireDir !== undefined) fiveParts(pair, phase, events);
  // Slow events in bursts: a burst ends where the next slow event is more than 20 events later.
  const bursts: Array<typeof slow> = [];
  for (const e of [...slow].sort((a, b) => a.i - b.i)) {
    const last = bursts.at(-1);
    if (last !== undefined && e.i - last.at(-1)!.i <= 20) last.push(e);
    else bursts.push([e]);
  }
  const median = (values: number[]) => pct(values, 0.5);
  const lines = bursts.map(
    (b) =>
      `@${Math.round(b[0]!.i * send.interval)}ms n${b.length} max ${f(Math.max(...b.map((e) => e.latency)))} ` +
      `(late ${f(median(b.map((e) => e.late)))} store ${f(median(b.map((e) => e.toStore)))} deliver ${f(median(b.map((e) => e.toHandler)))}` +
      `${b.some((e) => e.producerGc) ? ' pGC' : ''}${b.some((e) => e.consumerGc) ? ' cGC' : ''})`,
  );
  console.log(`  bursts: ${lines.join('; ')}`);
}

function fiveParts(
  pair: Pair,
  phase: number,
  events: ReadonlyArray<{
    i: number;
    latency: number;
    late: number;
    call: number;
    storedAt: number;
    handledAt: number;
  }>,
): void {
  const written = wireTimes(pair.producer.pid ?? 0, 1, phase);
  const readAt = wireTimes(pair.consumer.pid ?? 0, 2, phase);
  const names = ['late', 'call→wire', 'wire→stored', 'stored→read', 'read→handler'] as const;
  const parts: number[][] = names.map(() => []);
  const largest = new Map<string, number>();
  let matched = 0;
  for (const e of events) {
    const w = written.get(e.i);
    const r = readAt.get(e.i);
    if (w === undefined || r === undefined || Number.isNaN(e.storedAt)) continue;
    matched++;
    const values = [e.late, w - e.call, e.storedAt - w, r - e.storedAt, e.handledAt - r];
    for (const [k, v] of values.entries()) parts[k]!.push(v);
    if (e.latency > slowMs) {
      const top = names[values.indexOf(Math.max(...values))]!;
      largest.set(top, (largest.get(top) ?? 0) + 1);
    }
  }
  console.log(
    `  ${matched} on the wire: ${names.map((n, k) => `${n} p50 ${f(pct(parts[k]!, 0.5))} p99 ${f(pct(parts[k]!, 0.99))}`).join(' | ')}`,
  );
  console.log(`  > ${slowMs} ms by largest part: ${[...largest].map(([n, c]) => `${n} ${c}`).join(', ')}`);
}

for (const pair of pairs)
  for (const w of [pair.producer, pair.consumer]) await w.call('close', {}, 30_000).catch(() => {});
await nc?.close();
await (await loadTransport(transport)).cleanup?.(env, stamp);
console.log(`dumps in ${dump} (${readdirSync(dump).length} files)`);
process.exit(0);
