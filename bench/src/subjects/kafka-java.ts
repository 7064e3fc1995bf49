import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_DIR } from '../env.ts';
import type { KafkaSettings } from './kafka-settings.ts';

/** Kafka's own ProducerPerformance / ConsumerPerformance through `infra/kafka-perf`: the JVM client as the ceiling. */
export const JAVA_SUBJECT = { id: 'kafka-perf', label: 'kafka-perf (Java)', kind: 'java' } as const;

const SCRIPT = join(REPO_DIR, 'infra', 'kafka-perf');

export interface JavaRun {
  readonly msgPerSec: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly p999Ms?: number;
  readonly peakRssMb: number | null;
  readonly output: string;
}

const JAVA_ACKS = { all: 'all', leader: '1', none: '0' } as const;

/** Java producer properties equal to the Switchyard settings: acks, idempotence, linger, batch bytes, compression. */
export function javaProducerProps(s: KafkaSettings): string[] {
  return [
    `acks=${JAVA_ACKS[s.acks]}`,
    `enable.idempotence=${s.idempotent}`,
    `linger.ms=${s.lingerMs}`,
    `batch.size=${s.batchMaxBytes}`,
    `compression.type=${s.compression}`,
  ];
}

export async function javaProducer(args: {
  topic: string;
  records: number;
  recordSize: number;
  props: string[];
  timeoutMs: number;
}): Promise<JavaRun> {
  const out = await run(
    [
      'producer',
      '--topic',
      args.topic,
      '--num-records',
      String(args.records),
      '--record-size',
      String(args.recordSize),
      '--throughput',
      '-1',
      '--command-property',
      ...args.props,
    ],
    args.timeoutMs,
  );
  // "200000 records sent, 98765.4 records/sec (24.11 MB/sec), 120.55 ms avg latency, 400.00 ms max latency,
  //  110 ms 50th, 300 ms 95th, 350 ms 99th, 390 ms 99.9th."
  const line = out.stdout
    .split('\n')
    .reverse()
    .find((l) => /records sent, .* records\/sec/.test(l));
  if (line === undefined) throw new Error(`kafka-perf producer printed no summary: ${tail(out)}`);
  const num = (re: RegExp) => {
    const m = re.exec(line);
    return m === null ? undefined : Number(m[1]);
  };
  return {
    msgPerSec: num(/([\d.]+) records\/sec/)!,
    ...opt('p50Ms', num(/(\d+) ms 50th/)),
    ...opt('p99Ms', num(/(\d+) ms 99th/)),
    ...opt('p999Ms', num(/(\d+) ms 99\.9th/)),
    peakRssMb: out.peakRssMb,
    output: line.trim(),
  };
}

export async function javaConsumer(args: {
  topic: string;
  records: number;
  group: string;
  props: string[];
  timeoutMs: number;
}): Promise<JavaRun> {
  const out = await run(
    [
      'consumer',
      '--topic',
      args.topic,
      '--num-records',
      String(args.records),
      '--group',
      args.group,
      '--timeout',
      '60000',
      ...(args.props.length > 0 ? ['--command-property', ...args.props] : []),
    ],
    args.timeoutMs,
  );
  // Header "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
  // rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec" and one CSV line.
  const lines = out.stdout.split('\n').map((l) => l.trim());
  const h = lines.findIndex((l) => l.startsWith('start.time'));
  if (h < 0 || lines[h + 1] === undefined)
    throw new Error(`kafka-perf consumer printed no summary: ${tail(out)}`);
  const names = lines[h]!.split(',').map((s) => s.trim());
  const values = lines[h + 1]!.split(',').map((s) => s.trim());
  const get = (name: string) => Number(values[names.indexOf(name)]);
  // fetch.nMsg.sec leaves out the group join (rebalance), like the Node consumers' first→last timing.
  const rate = names.includes('fetch.nMsg.sec') ? get('fetch.nMsg.sec') : get('nMsg.sec');
  return { msgPerSec: rate, peakRssMb: out.peakRssMb, output: `${lines[h]}\n${lines[h + 1]}` };
}

const opt = <K extends string>(k: K, v: number | undefined) =>
  v === undefined ? {} : ({ [k]: v } as Record<K, number>);
const tail = (o: { stdout: string; stderr: string }) =>
  `${o.stdout}\n${o.stderr}`.trim().split('\n').slice(-5).join(' | ');

/** Runs the script under GNU time-like accounting: peak RSS from /proc while it runs. */
function run(
  args: string[],
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string; peakRssMb: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(SCRIPT, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peakKb = 0;
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const sampler = setInterval(() => {
      peakKb = Math.max(peakKb, rssKb(child.pid));
    }, 100);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kafka-perf ${args[0]} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(sampler);
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`kafka-perf ${args[0]} exited ${code}: ${tail({ stdout, stderr })}`));
      else resolve({ stdout, stderr, peakRssMb: peakKb === 0 ? null : Math.round(peakKb / 102.4) / 10 });
    });
  });
}

/** VmHWM (peak RSS) of a process, in kB; the script `exec`s java, so the pid is the JVM's. */
function rssKb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const { readFileSync } = process.getBuiltinModule('node:fs');
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]);
  } catch {
    return 0;
  }
}
