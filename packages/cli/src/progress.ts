import cliProgress from 'cli-progress';
import type { CommandContext } from './context.ts';

/** Progress of a long command: a bar with a rate on stderr, and lines printed above it. */
export interface Progress {
  /** `n` more done, or (with `to`) this many done in all. */
  tick(n?: number, to?: number): void;
  /** A result line (a receipt, a moved event): on stdout, or above the bar when both share a terminal. */
  item(value: unknown, render: () => string): void;
  stop(): void;
}

/**
 * A bar when `ctx.progress` says so (stderr is a terminal, or `--progress`), else nothing but the
 * lines. `total` 0 means unknown: the bar then shows the count and rate only.
 */
export function startProgress(ctx: CommandContext, label: string, total: number, unit = 'ev'): Progress {
  if (!ctx.progress) {
    return { tick() {}, item: (value, render) => ctx.out.item(value, render), stop() {} };
  }
  const started = performance.now();
  const bars = new cliProgress.MultiBar(
    {
      stream: ctx.streams.stderr,
      format:
        total > 0
          ? `${label} [{bar}] {value}/{total} {percentage}% | {rate} ${unit}/s | ETA {eta_formatted}`
          : `${label} {value} | {rate} ${unit}/s`,
      noTTYOutput: ctx.streams.stderr.isTTY !== true, // `--progress` into a pipe or file: print it anyway
      notTTYSchedule: 1_000,
      hideCursor: true,
      barsize: 30,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const bar = bars.create(total, 0, { rate: '0' });
  let done = 0;
  // Receipts go above the bar only when stdout is the same terminal; into a pipe they go straight out.
  const shareTerminal = ctx.streams.stdout.isTTY === true && ctx.streams.stderr.isTTY === true;
  return {
    tick(n = 1, to?: number) {
      done = to ?? done + n;
      const seconds = (performance.now() - started) / 1000;
      bar.update(done, { rate: seconds > 0 ? Math.round(done / seconds).toLocaleString('en') : '0' });
    },
    item(value, render) {
      if (shareTerminal && !ctx.out.json) bars.log(`${render()}\n`);
      else ctx.out.item(value, render);
    },
    stop() {
      bars.stop();
    },
  };
}
