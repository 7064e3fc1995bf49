// Summarises a V8 .cpuprofile: self time by file and by function; with a function name, its callers.
// node bench/src/profile/summarize.ts FILE.cpuprofile [top=30] [functionName]
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const [file, topArg = '30', callersOf] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: summarize.ts FILE.cpuprofile [top] [functionName]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
};
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, Node>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n);
const where = (n: Node) =>
  n.callFrame.url
    .replace(/^.*node_modules\/\.pnpm\/([^/]+)\/.*$/, 'pkg:$1')
    .replace(/^.*\/work\/[^/]+\//, '') || n.callFrame.functionName;
const selfTime = new Map<number, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  selfTime.set(id, (selfTime.get(id) ?? 0) + dt);
  total += dt;
});
const byFile = new Map<string, number>();
const byFn = new Map<string, number>();
for (const [id, t] of selfTime) {
  const n = byId.get(id)!;
  byFile.set(where(n), (byFile.get(where(n)) ?? 0) + t);
  const fn = `${n.callFrame.functionName || '(anon)'} ${where(n)}:${n.callFrame.lineNumber + 1}`;
  byFn.set(fn, (byFn.get(fn) ?? 0) + t);
}
const top = (m: Map<string, number>, k: number) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([name, t]) => `${((100 * t) / total).toFixed(1).padStart(5)}%  ${name}`)
    .join('\n');
console.log(`total ${(total / 1e6).toFixed(2)} s sampled\n-- self time by file\n${top(byFile, 15)}`);
console.log(`-- self time by function\n${top(byFn, Number(topArg))}`);
if (callersOf !== undefined) {
  const chains = new Map<string, number>();
  for (const id of profile.samples) {
    const n = byId.get(id)!;
    if (n.callFrame.functionName !== callersOf) continue;
    const chain: string[] = [];
    for (let p = parent.get(n.id), i = 0; p !== undefined && i < 4; p = parent.get(p.id), i++) {
      chain.push(`${p.callFrame.functionName || '(anon)'} ${where(p)}:${p.callFrame.lineNumber + 1}`);
    }
    chains.set(chain.join(' < '), (chains.get(chain.join(' < ')) ?? 0) + 1);
  }
  const lines = [...chains]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([chain, samples]) => `${String(samples).padStart(6)}  ${chain}`);
  console.log(`-- callers of ${callersOf} (samples)\n${lines.join('\n')}`);
}
