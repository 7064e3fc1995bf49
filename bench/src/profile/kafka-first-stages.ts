// Where the plan scenario's first Kafka event spends its time, stage by stage, for subjects run as
// the plan runs them (a producer and a consumer worker per subject, a fresh topic and group per
// round, N events published at once) and alternated subject by subject:
//   KAFKA_WIRE_TRACE=/tmp/wire node --conditions=@switchyard/source --import ./src/profile/kafka-wire-trace.ts \
//     src/profile/kafka-first-stages.ts [N] [rounds per process pair] [sets] [subjects]
// (the workers inherit the --import; topics are named with KAFKA_WIRE_MARK, default `fe_`)
//   e.g. … kafka-first-stages.ts 300 3 4 switchyard,kafkajs
// Each round prints, in ms after the first-arriving event was made (its `t`): the producer's
// metadata requests naming the topic (sent → answered), its first Produce request (sent → the
// broker's answer, i.e. appended), the consumer's fetch that brought the first records (sent →
// first byte → last byte) and the handler's call. Times come from kafka-wire-trace.ts (on the
// sockets) and the worker's own record of the first arrival; all on one machine's clock.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { loadBrokerEnv } from '../env.ts';
import { Worker } from '../rpc.ts';
import { loadTransport } from '../subjects/registry.ts';
import type { WireRecord } from './kafka-wire-trace.ts';

const [n = '300', r = '3', s = '3', list = 'switchyard,kafkajs'] = process.argv.slice(2);
const count = Number(n);
const rounds = Number(r);
const sets = Number(s);
const subjects = list.split(',');
const env = loadBrokerEnv();
const dir = process.env.KAFKA_WIRE_TRACE;
if (dir === undefined)
  throw new Error('set KAFKA_WIRE_TRACE to a directory and --import kafka-wire-trace.ts');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const stamp = `${process.env.KAFKA_WIRE_MARK ?? 'fe_'}${Date.now().toString(36)}`;
const config = { preset: 'durable' };

interface Round {
  subject: string;
  set: number;
  round: number;
  topic: string;
  producerPid: number;
  consumerPid: number;
  firstAt: number;
  first: number;
  subscribing: number;
  subscribed: number;
}
const wall = () => performance.timeOrigin + performance.now();
const API_NAMES: Record<number, string> = {
  0: 'Produce',
  1: 'Fetch',
  2: 'ListOffsets',
  3: 'Metadata',
  8: 'OffsetCommit',
  9: 'OffsetFetch',
  10: 'FindCoordinator',
  11: 'JoinGroup',
  12: 'Heartbeat',
  13: 'LeaveGroup',
  14: 'SyncGroup',
  18: 'ApiVersions',
  22: 'InitProducerId',
};
const done: Round[] = [];
let phase = 0;
let topicNo = 0;

async function open(name: string, subject: string): Promise<{ worker: Worker; pid: number }> {
  const worker = new Worker(name, {}, (line) => console.error(line));
  const { pid } = await worker.call<{ pid: number }>('open', { transport: 'kafka', subject, env }, 60_000);
  return { worker, pid };
}

for (let set = 0; set < sets; set++) {
  const order = set % 2 === 0 ? subjects : [...subjects].reverse();
  for (const subject of order) {
    const consumer = await open(`consumer-${subject}`, subject);
    const producer = await open(`producer-${subject}`, subject);
    await consumer.worker.call('openConsumer', { config }, 60_000);
    await producer.worker.call('openProducer', { config }, 60_000);
    for (let round = 0; round < rounds; round++) {
      phase++;
      const topic = `${stamp}_${topicNo++}`;
      await consumer.worker.call('prepareTopic', { topic, partitions: 3, config }, 60_000);
      const subscribing = wall();
      await consumer.worker.call('subscribe', { topic, group: `g_${topic}` }, 60_000);
      const subscribed = wall();
      const expected = consumer.worker.call<{ received: number; firstAt: number; firstLatencyMs?: number }>(
        'expect',
        { phase, count, timeoutMs: 10_000 },
        20_000,
      );
      await producer.worker.call(
        'publish',
        { topic, mode: 'concurrent', count, phase, payloadBytes: 100, inFlight: count },
        30_000,
      );
      const e = await expected;
      done.push({
        subject,
        set,
        round,
        topic,
        producerPid: producer.pid,
        consumerPid: consumer.pid,
        firstAt: e.firstAt,
        subscribing,
        subscribed,
        first: e.firstLatencyMs ?? Number.NaN,
      });
    }
    await producer.worker.call('close', {}, 30_000).catch(() => undefined);
    await consumer.worker.call('close', {}, 30_000).catch(() => undefined);
    await producer.worker.stop().catch(() => undefined);
    await consumer.worker.stop().catch(() => undefined);
  }
}
await (await loadTransport('kafka')).cleanup?.(env, stamp);

const traces = new Map<number, WireRecord[]>();
const traceOf = (pid: number) => {
  let t = traces.get(pid);
  if (t === undefined) {
    try {
      t = JSON.parse(readFileSync(`${dir}/${pid}.json`, 'utf8')) as WireRecord[];
    } catch {
      t = [];
    }
    traces.set(pid, t);
  }
  return t;
};
const f = (x: number | undefined) => (x === undefined ? '   -  ' : x.toFixed(1).padStart(6));
const rows: Array<Record<string, number | string>> = [];
for (const d of done) {
  const t0 = d.firstAt - d.first;
  const rel = (x: number | undefined) => (x === undefined ? undefined : x - t0);
  const mine = (pid: number, api: number) =>
    traceOf(pid).filter((x) => x.api === api && x.topics.includes(d.topic) && x.sent >= t0 - 1);
  const produce = mine(d.producerPid, 0)[0];
  const metadata = mine(d.producerPid, 3).filter((x) => produce === undefined || x.sent < produce.sent);
  // The fetch whose response brought the first records: the first one answered with more than an
  // empty fetch's bytes after the produce was sent.
  const fetches = traceOf(d.consumerPid).filter((x) => x.api === 1 && x.topics.includes(d.topic));
  const fetch = fetches.find(
    (x) =>
      x.firstByte !== undefined &&
      produce !== undefined &&
      x.firstByte > produce.sent &&
      (x.resBytes ?? 0) > 400,
  );
  const before = fetch === undefined ? undefined : fetches[fetches.indexOf(fetch) - 1];
  rows.push({
    subject: d.subject,
    set: d.set,
    round: d.round,
    first: d.first,
    metaN: metadata.length,
    metaSent: rel(metadata[0]?.sent) ?? Number.NaN,
    metaDone: rel(metadata.at(-1)?.done) ?? Number.NaN,
    prodSent: rel(produce?.sent) ?? Number.NaN,
    prodDone: rel(produce?.done) ?? Number.NaN,
    fetchSent: rel(fetch?.sent) ?? Number.NaN,
    fetchFirstByte: rel(fetch?.firstByte) ?? Number.NaN,
    fetchDone: rel(fetch?.done) ?? Number.NaN,
    prevFetchDone: rel(before?.done) ?? Number.NaN,
    handler: d.first,
  });
  if (process.env.STAGES_VERBOSE === '1') {
    const until = fetch?.done ?? d.firstAt;
    for (const [who, pid] of [
      ['consumer', d.consumerPid],
      ['producer', d.producerPid],
    ] as const)
      for (const x of traceOf(pid).filter((x) => x.sent >= d.subscribing - 1 && x.sent <= until))
        console.log(
          `    ${who} ${(API_NAMES[x.api] ?? String(x.api)).padEnd(15)} port ${x.port} sent ${f(rel(x.sent))} → ${f(rel(x.firstByte))} … ${f(rel(x.done))} ${x.reqBytes}/${x.resBytes ?? '-'} B ${x.topics.includes(d.topic) ? 'this topic' : ''}`,
        );
    console.log(`    subscribe ${f(rel(d.subscribing))} → ${f(rel(d.subscribed))}`);
  }
  console.log(
    `${d.subject.padEnd(12)} set ${d.set} round ${d.round}  first ${f(d.first)} | metadata ×${metadata.length} ${f(rel(metadata[0]?.sent))} → ${f(rel(metadata.at(-1)?.done))} | produce ${f(rel(produce?.sent))} → ${f(rel(produce?.done))} | fetch ${f(rel(fetch?.sent))} → ${f(rel(fetch?.firstByte))} … ${f(rel(fetch?.done))} (${fetch?.resBytes ?? '-'} B, previous answered ${f(rel(before?.done))}) | handler ${f(d.first)}`,
  );
}
const median = (xs: number[]) => {
  const s2 = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s2.length === 0 ? Number.NaN : s2[Math.floor(s2.length / 2)]!;
};
for (const subject of subjects) {
  for (const round of [...Array(rounds).keys()]) {
    const mine = rows.filter((x) => x.subject === subject && x.round === round);
    const m = (k: string) => median(mine.map((x) => x[k] as number)).toFixed(1);
    console.log(
      `median ${subject.padEnd(12)} round ${round} (${mine.length}): first ${m('first')} | metadata ${m('metaSent')} → ${m('metaDone')} | produce ${m('prodSent')} → ${m('prodDone')} | fetch ${m('fetchSent')} → ${m('fetchFirstByte')} … ${m('fetchDone')} | handler ${m('handler')}`,
    );
  }
}
process.exit(0);
