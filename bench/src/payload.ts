/**
 * The event data every subject sends: a send timestamp (wall clock, ms), a phase tag so one
 * consumer can tell warm-up from measured events, and padding so the JSON-encoded data is
 * `payloadBytes` long. Raw clients send the same JSON bytes Switchyard's codec produces for `data`.
 */
export interface BenchData {
  /** Wall-clock send time in ms (performance.timeOrigin + performance.now()). */
  t: number;
  /** Phase id; negative phases are warm-up. */
  p: number;
  /** Sequence number within the phase. */
  i: number;
  pad: string;
}

const padCache = new Map<number, string>();

/** Padding such that `JSON.stringify(makeData(...))` is about `payloadBytes` long (±2 bytes for digits). */
export function padFor(payloadBytes: number): string {
  let pad = padCache.get(payloadBytes);
  if (pad === undefined) {
    const skeleton = JSON.stringify({ t: 1_800_000_000_000.123, p: 0, i: 100_000, pad: '' });
    // A readable, moderately compressible filler: codecs see something like real JSON, not all zeros.
    const filler = 'order-4711 customer-0815 sku-PX-42 qty-3 eur-129.90 ';
    const n = Math.max(0, payloadBytes - skeleton.length);
    pad = filler.repeat(Math.ceil(n / filler.length) + 1).slice(0, n);
    padCache.set(payloadBytes, pad);
  }
  return pad;
}

export function makeData(phase: number, i: number, pad: string, t: number): BenchData {
  return { t, p: phase, i, pad };
}

export const keyFor = (i: number): string => `k${i % 256}`;
