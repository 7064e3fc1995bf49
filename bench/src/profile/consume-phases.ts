// The consume scenario's consumer in one process: one consumer reads a warm-up topic, then one topic
// per run, each from the beginning with a fresh group (earlier subscriptions stay open, as in the
// scenario's worker). Per phase: events, what scavenges kept per event (copied / promoted), old
// generation growth, full GCs, and the young generation's size, so a run that doubles its young
// generation shows in which phase and after how many surviving bytes. Fill the topics first:
//   node --conditions=@switchyard/source bench/src/profile/run.ts fill nats switchyard 10000 t_w [bytes]
//   node --conditions=@switchyard/source bench/src/profile/run.ts fill nats switchyard 50000 t_0 [bytes]   (t_1, t_2)
//   node --conditions=@switchyard/source bench/src/profile/consume-phases.ts nats switchyard t_w:10000,t_0:50000,t_1:50000,t_2:50000
import { GCProfiler, getHeapSpaceStatistics } from 'node:v8';
import { loadBrokerEnv } from '../env.ts';
import { loadTransport } from '../subjects/registry.ts';
import { scavengeSurvivors } from './gc-survivors.ts';

const [transport = 'nats', id = 'switchyard', list = ''] = process.argv.slice(2);
const phases = list.split(',').map((entry) => {
  const [topic = '', n = '0'] = entry.split(':');
  return { topic, count: Number(n) };
});
const env = loadBrokerEnv();
const module = await loadTransport(transport);
const subject =
  module.load !== undefined
    ? await module.load(id)
    : (await module.subjects()).available.find((s) => s.id === id);
if (subject === undefined) throw new Error(`no subject ${id} on ${transport}`);

const semiSpaceMb = () =>
  (getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0) / 2 / 2 ** 20;
const consumer = await subject.consumer({}, env);
let current: { got: number; count: number; done: PromiseWithResolvers<void> } | undefined;
const run = Date.now().toString(36);
let survivedSinceGrowth = 0;
let semi = semiSpaceMb();
for (const [index, phase] of phases.entries()) {
  const profiler = new GCProfiler();
  profiler.start();
  const state = { got: 0, count: phase.count, done: Promise.withResolvers<void>() };
  current = state;
  await consumer.subscribe(phase.topic, `g_${run}_${index}`, () => {
    if (current === state && ++state.got === state.count) state.done.resolve();
  });
  await state.done.promise;
  const gcs = profiler.stop()?.statistics ?? [];
  let copied = 0;
  let promoted = 0;
  let full = 0;
  const growth: string[] = [];
  for (const gc of gcs) {
    const kept = scavengeSurvivors(gc);
    copied += kept.copied;
    promoted += kept.promoted;
    if (gc.gcType === 'MarkSweepCompact') full++;
    survivedSinceGrowth += kept.copied + kept.promoted;
    const after =
      (gc.afterGC.heapSpaceStatistics.find((s) => s.spaceName === 'new_space')?.spaceSize ?? 0) / 2 / 2 ** 20;
    if (after !== semi) {
      growth.push(
        `${gc.gcType} ${semi}→${after} MB after ${(survivedSinceGrowth / 2 ** 20).toFixed(1)} MB survived`,
      );
      semi = after;
      survivedSinceGrowth = 0;
    }
  }
  const old = getHeapSpaceStatistics().find((s) => s.space_name === 'old_space');
  console.log(
    `${id} phase ${index} ${phase.topic}: ${state.got} events, ${gcs.length} GCs (${full} full),`,
    `kept by scavenges ${(copied / state.got).toFixed(1)} copied + ${(promoted / state.got).toFixed(1)} promoted B/event,`,
    `survived since last growth ${(survivedSinceGrowth / 2 ** 20).toFixed(2)} MB, semi-space ${semi} MB,`,
    `old used ${((old?.space_used_size ?? 0) / 2 ** 20).toFixed(1)} MB, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
    growth.length > 0 ? `| ${growth.join('; ')}` : '',
  );
}
await consumer.close();
