// Where the slow events of latency runs lost their time, from a BENCH_DEBUG_DUMP directory:
//   BENCH_DEBUG_DUMP=/tmp/lat BENCH_SUBJECTS=switchyard,ioredis pnpm bench latency --transport redis --quick
//   node bench/src/profile/latency-dump.ts /tmp/lat [slow ms, 3]
// Per run: latency percentiles, how late the sender's timer made each send (counted in every
// subject alike), the rest (send call → handler), and how many slow events overlap a GC pause of
// the producer or the consumer.
import { readdirSync, readFileSync } from 'node:fs';

const [dir = '.', slowArg = '3'] = process.argv.slice(2);
const slowMs = Number(slowArg);
const files = readdirSync(dir);
const read = <T>(name: string): T => JSON.parse(readFileSync(`${dir}/${name}`, 'utf8')) as T;
type Gc = Array<[number, number, number]>;
const pct = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
};
const ms = (x: number) => x.toFixed(2);

for (const sendFile of files.filter((f) => /^\d+-send\d+\.json$/.test(f))) {
  const [, producerPid, phase] = /^(\d+)-send(\d+)\.json$/.exec(sendFile)!;
  const send = read<{ startedWall: number; interval: number; late: number[] }>(sendFile);
  // The consumer's file of the same phase whose first arrival is near this send's start.
  const phaseFile = files
    .filter((f) => new RegExp(`^\\d+-phase${phase}\\.json$`).test(f))
    .find((f) => Math.abs(read<number>(f.replace('.json', '-first.json')) - send.startedWall) < 1_000);
  if (phaseFile === undefined) continue;
  const consumerPid = phaseFile.split('-')[0]!;
  const first = read<number>(`${consumerPid}-phase${phase}-first.json`);
  const producerGc = read<Gc>(`${producerPid}-gc.json`);
  const consumerGc = read<Gc>(`${consumerPid}-gc.json`);
  const events = read<Array<[number, number, number]>>(phaseFile).map(([, latency, arrival]) => {
    const at = first + arrival;
    const scheduled = at - latency;
    const late = send.late[Math.round((scheduled - send.startedWall) / send.interval)] ?? 0;
    const during = (gc: Gc) => gc.some(([start, duration]) => start < at && start + duration > scheduled);
    return { latency, late, producerGc: during(producerGc), consumerGc: during(consumerGc) };
  });
  const latencies = events.map((e) => e.latency);
  const lates = events.map((e) => e.late);
  const rests = events.map((e) => e.latency - e.late);
  const slow = events.filter((e) => e.latency > slowMs);
  const onTime = slow.filter((e) => e.late < 1);
  const end = send.startedWall + send.interval * send.late.length;
  const pauses = (gc: Gc) => {
    const inRun = gc.filter(([start]) => start >= send.startedWall && start <= end);
    const total = inRun.reduce((sum, [, d]) => sum + d, 0);
    return `${inRun.length} pauses, ${ms(total)} ms`;
  };
  console.log(
    `pid ${producerPid} → ${consumerPid}, ${Math.round(1000 / send.interval)}/s, ${events.length} events: ` +
      `p50 ${ms(pct(latencies, 0.5))} p99 ${ms(pct(latencies, 0.99))} max ${ms(Math.max(...latencies))} ms; ` +
      `sender late p50 ${ms(pct(lates, 0.5))} p99 ${ms(pct(lates, 0.99))}; rest p50 ${ms(pct(rests, 0.5))} p99 ${ms(pct(rests, 0.99))}`,
  );
  console.log(
    `  > ${slowMs} ms: ${slow.length}; sender on time (< 1 ms late): ${onTime.length}, of which during a GC pause: ` +
      `producer ${onTime.filter((e) => e.producerGc).length}, consumer ${onTime.filter((e) => e.consumerGc).length}; ` +
      `GC in the run: producer ${pauses(producerGc)}, consumer ${pauses(consumerGc)}`,
  );
}
