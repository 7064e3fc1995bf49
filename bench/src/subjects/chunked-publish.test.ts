import { describe, expect, it } from 'vitest';
import { emitInChunks, publishInChunks } from './chunked-publish.ts';

/** Records each chunk and the most events unconfirmed at once. */
function recorder() {
  const chunks: Array<[number, number]> = [];
  let open = 0;
  let peak = 0;
  const send = async (from: number, to: number) => {
    chunks.push([from, to]);
    open += to - from;
    peak = Math.max(peak, open);
    await new Promise((resolve) => setImmediate(resolve));
    open -= to - from;
  };
  return { chunks, send, peak: () => peak };
}

describe('publishInChunks', () => {
  it('keeps a batch larger than the window to the window', async () => {
    const r = recorder();
    await publishInChunks(5_000, 2_000, 1_000, r.send);
    expect(r.chunks).toHaveLength(5);
    expect(r.chunks[0]).toEqual([0, 1_000]);
    expect(r.peak()).toBe(1_000);
  });

  it('fills the window with batches of the preset’s size', async () => {
    const r = recorder();
    await publishInChunks(2_050, 100, 1_000, r.send);
    expect(r.chunks.map(([from, to]) => to - from)).toEqual([...Array(20).fill(100), 50]);
    expect(r.peak()).toBe(1_000);
  });
});

describe('emitInChunks', () => {
  it('sends every batch at once', async () => {
    const r = recorder();
    await emitInChunks(2_500, 1_000, r.send);
    expect(r.chunks).toEqual([
      [0, 1_000],
      [1_000, 2_000],
      [2_000, 2_500],
    ]);
    expect(r.peak()).toBe(2_500);
  });
});
