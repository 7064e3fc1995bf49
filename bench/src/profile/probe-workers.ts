import { readFileSync } from 'node:fs';
import { Worker } from '../rpc.ts';

/**
 * A bench worker (src/worker.ts) opened on a transport's subject as producer or consumer, as the
 * latency probes (latency-cross.ts, latency-split.ts) run each side of a pair.
 */
export async function openWorker(
  name: string,
  spec: { transport: string; subject: string; env: Record<string, string> },
  role: 'Producer' | 'Consumer',
  config: Record<string, string | number | boolean> = {},
): Promise<Worker> {
  const worker = new Worker(name, {}, (line) => console.error(line));
  await worker.call('open', spec, 60_000);
  await worker.call(`open${role}`, { config }, 60_000);
  return worker;
}

/** CPU µs used so far by process `pid` (Linux /proc: utime + stime, in clock ticks of 10 ms); 0 without a pid. */
export function processCpuMicros(pid: string | undefined): number {
  if (pid === undefined) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}
