import { describe, expect, it } from 'vitest';
import { type Pacer, sendOpenLoop, threadPacer, timerPacer } from './pacer.ts';

describe('threadPacer', () => {
  it('sleeps at least the time asked, fractions of a millisecond included', async () => {
    const pacer = threadPacer();
    await pacer.sleep(0);
    for (const ms of [0.3, 1.5, 4]) {
      const t0 = performance.now();
      await pacer.sleep(ms);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(ms - 0.05);
    }
    await pacer.close();
  });

  it('wakes every one of many back-to-back short sleeps (no lost notify)', async () => {
    const pacer = threadPacer();
    for (let i = 0; i < 5_000; i++) await pacer.sleep(i % 3 === 0 ? 0 : 0.01);
    await pacer.close();
  }, 20_000);

  it('refuses a second sleep while one is pending', async () => {
    const pacer = threadPacer();
    const first = pacer.sleep(1);
    expect(() => pacer.sleep(1)).toThrow(/one sleep at a time/);
    await first;
    await pacer.close();
  });
});

describe('sendOpenLoop', () => {
  it('sends every event once, in order, each stamped with its scheduled wall-clock time', async () => {
    const sent: Array<[number, number]> = [];
    const { startedWall } = await sendOpenLoop(50, 5_000, (i, dueAt) => sent.push([i, dueAt]));
    expect(sent.map(([i]) => i)).toEqual([...Array(50).keys()]);
    for (const [i, dueAt] of sent) expect(dueAt).toBeCloseTo(startedWall + i * 0.2, 6);
  });

  it('sends events that fell due during a stall at once, keeping their scheduled times', async () => {
    let wakes = 0;
    const sends: Array<{ wake: number; dueAt: number }> = [];
    const stalled: Pacer = {
      ...timerPacer(),
      sleep: () => new Promise((r) => setTimeout(() => r(void wakes++), 20)),
    };
    await sendOpenLoop(10, 1_000, (_, dueAt) => sends.push({ wake: wakes, dueAt }), stalled);
    // After the warm-up sleep: one send, a 20 ms sleep, then the nine that fell due during it.
    expect(sends.map((s) => s.wake)).toEqual([1, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    for (const [i, s] of sends.entries()) expect(s.dueAt - sends[0]!.dueAt).toBeCloseTo(i, 6);
  });

  it('closes its pacer when a send throws', async () => {
    let closed = false;
    const pacer: Pacer = {
      ...timerPacer(),
      close: async () => {
        closed = true;
      },
    };
    await expect(
      sendOpenLoop(
        5,
        1_000,
        () => {
          throw new Error('boom');
        },
        pacer,
      ),
    ).rejects.toThrow('boom');
    expect(closed).toBe(true);
  });
});
