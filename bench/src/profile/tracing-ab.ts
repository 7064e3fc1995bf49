// Tracing off against a tracing mode in ONE process: two in-memory loops (a bus with `tracing:
// false` and a traced bus, each on its own topic), warmed up, then timed runs alternating between
// them. Same process, same JIT state and the same minute of a shared machine's load for both, so
// the ratio is steadier than across processes. Prints each mode's median rate, CPU µs per event
// (process.cpuUsage: includes GC threads) and main-thread CPU µs per event (process.threadCpuUsage).
//   node --conditions=@switchyard/source bench/src/profile/tracing-ab.ts [sampled|unsampled|api|always] [events per run, 100000] [rounds, 8]
import { openInproc } from '../inproc.ts';
import type { TracingMode } from '../tracing.ts';

const [mode = 'sampled', eventsArg = '100000', roundsArg = '8'] = process.argv.slice(2);
const events = Number(eventsArg);
const rounds = Number(roundsArg);
const common = {
  subject: 'switchyard',
  events,
  warmupEvents: 50_000,
  payloadBytes: 100,
  concurrency: 16,
  chunk: 1_000,
} as const;
// The traced session installs the SDK globally; the `off` bus never looks at it.
const traced = await openInproc({ ...common, tracing: mode as TracingMode, topic: 'bench.ab.traced' });
const off = await openInproc({ ...common, tracing: 'off', topic: 'bench.ab.off' });
const threadCpu = () => {
  const u = process.threadCpuUsage();
  return u.user + u.system;
};
const results = { off: [] as number[][], [mode]: [] as number[][] };
for (let r = 0; r < rounds; r++) {
  // Alternate which goes first, so neither always runs right after the other's garbage.
  const order = r % 2 === 0 ? (['off', mode] as const) : ([mode, 'off'] as const);
  for (const which of order) {
    const session = which === 'off' ? off : traced;
    const cpu = process.cpuUsage();
    const thread = threadCpu();
    const ms = await session.run(r);
    const used = process.cpuUsage(cpu);
    results[which]!.push([
      (events / ms) * 1000,
      (used.user + used.system) / events,
      (threadCpu() - thread) / events,
    ]);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const summary = (rows: number[][]) => [0, 1, 2].map((i) => median(rows.map((row) => row[i]!)));
const [offRate, offCpu, offThread] = summary(results.off);
const [rate, cpu, thread] = summary(results[mode]!);
console.log(
  `off ${Math.round(offRate!)}/s ${offCpu!.toFixed(2)} CPU µs (${offThread!.toFixed(2)} main thread) | ` +
    `${mode} ${Math.round(rate!)}/s ${cpu!.toFixed(2)} CPU µs (${thread!.toFixed(2)} main thread) | ` +
    `cost: rate ${((1 - rate! / offRate!) * 100).toFixed(1)} %, CPU ${((cpu! / offCpu! - 1) * 100).toFixed(1)} %, main thread ${((thread! / offThread! - 1) * 100).toFixed(1)} %`,
);
await off.close();
await traced.close();
