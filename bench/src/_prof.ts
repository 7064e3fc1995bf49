import { runInproc } from './inproc.ts';

const tracing = (process.argv[2] ?? 'sampled') as 'sampled';
const r = await runInproc({
  subject: 'switchyard',
  tracing,
  events: 200_000,
  warmupEvents: 50_000,
  runs: 2,
  payloadBytes: 100,
  concurrency: 16,
  chunk: 1000,
});
console.log(
  tracing,
  r.runs.map((x) => Math.round((x.events / x.elapsedMs) * 1000)),
  r.exportedSpans,
);
