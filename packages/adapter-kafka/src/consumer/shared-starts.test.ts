import { describe, expect, it } from 'vitest';
import { SharedStarts } from './shared-starts.ts';

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SharedStarts', () => {
  it('serves requests made together with one run', async () => {
    let runs = 0;
    const starts = new SharedStarts(async () => {
      runs++;
    });
    await Promise.all([starts.request(), starts.request(), starts.request()]);
    expect(runs).toBe(1);
  });

  it('serves requests made during a run with one more run that begins after them', async () => {
    const began: number[] = [];
    let gate!: () => void;
    const starts = new SharedStarts(async () => {
      began.push(Date.now());
      if (began.length === 1) await new Promise<void>((resolve) => (gate = resolve));
    });
    const first = starts.request();
    await tick(5);
    const later = [starts.request(), starts.request()];
    gate();
    await Promise.all([first, ...later]);
    expect(began).toHaveLength(2);
  });

  it('is settled once the runs asked for so far ended, failed or not', async () => {
    let runs = 0;
    const starts = new SharedStarts(async () => {
      runs++;
      if (runs === 1) throw new Error('join failed');
    });
    await starts.settled(); // nothing asked for
    starts.request().catch(() => undefined);
    await starts.settled();
    expect(runs).toBe(1);
    starts.request().catch(() => undefined);
    starts.request().catch(() => undefined);
    await starts.settled();
    expect(runs).toBe(2);
  });

  it('waits for reservations before it runs', async () => {
    let runs = 0;
    const starts = new SharedStarts(async () => {
      runs++;
    });
    const release = starts.reserve();
    const done = starts.request();
    await tick(10);
    expect(runs).toBe(0);
    release();
    release(); // releasing twice counts once
    await done;
    expect(runs).toBe(1);
  });

  it('rejects the requests of a failed run and runs again on the next request', async () => {
    let fail = true;
    const starts = new SharedStarts(async () => {
      if (fail) throw new Error('no');
    });
    await expect(Promise.all([starts.request(), starts.request()])).rejects.toThrow('no');
    fail = false;
    await expect(starts.request()).resolves.toBeUndefined();
  });
});
