import { errorText, type RunContext } from '../context.ts';

/**
 * One subject in a comparison. Runs of all contenders are interleaved (run 1 of each, then run 2
 * of each, starting from a different contender each round), so a burst of load from something
 * else on the machine hits every subject alike instead of skewing one subject's figures.
 */
export interface Contender {
  readonly name: string;
  /** Starts processes, prepares topics, warms up. */
  setup(): Promise<void>;
  /** One timed run; resolves with events per second (and latency figures where measured). */
  run(index: number): Promise<RunFigures>;
  /** Stops processes and records the row from the runs' figures. */
  finish(runs: readonly RunFigures[]): Promise<void>;
  /** Stops what was started and records the row as skipped with the reason. */
  fail(reason: string): Promise<void>;
}

export interface RunFigures {
  readonly msgPerSec: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly p999Ms?: number;
}

/** `runs` defaults to the bench's `--runs`; a scenario whose differences are small next to the noise asks for more. */
export async function interleave(
  ctx: RunContext,
  contenders: readonly Contender[],
  runs: number = ctx.runs,
): Promise<void> {
  const live: Contender[] = [];
  for (const c of contenders) {
    try {
      await c.setup();
      live.push(c);
    } catch (error) {
      await c.fail(`failed: ${errorText(error)}`);
    }
  }
  const figures = new Map<Contender, RunFigures[]>(live.map((c) => [c, []]));
  for (let r = 0; r < runs; r++) {
    for (const c of rotated(live, r)) {
      if (!live.includes(c)) continue;
      ctx.progress(c.name, `run ${r + 1}/${runs}…`);
      try {
        figures.get(c)!.push(await c.run(r));
      } catch (error) {
        live.splice(live.indexOf(c), 1);
        await c.fail(`failed in run ${r + 1}: ${errorText(error)}`);
      }
    }
  }
  for (const c of live) await c.finish(figures.get(c)!);
}

/** Round `r`'s order: the list started `r` places later, wrapping around (a copy). */
export function rotated<T>(list: readonly T[], r: number): T[] {
  const at = r % Math.max(1, list.length);
  return [...list.slice(at), ...list.slice(0, at)];
}
