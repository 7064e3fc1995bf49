import { describe, expect, it } from 'vitest';
import { LoopWaker } from './loop-waker.ts';

describe('LoopWaker', () => {
  it('ends a wait at the next poke, and drops a poke no one waits for', async () => {
    const waker = new LoopWaker();
    waker.poke();
    let woken = false;
    const waiting = waker.untilPoked().then(() => {
      woken = true;
    });
    await Promise.resolve();
    expect(woken).toBe(false);
    waker.poke();
    await waiting;
    expect(woken).toBe(true);
  });

  it('ends a sleep early at endSleep, and otherwise after its time', async () => {
    const waker = new LoopWaker();
    const started = performance.now();
    const sleeping = waker.sleep(60_000);
    waker.endSleep();
    await sleeping;
    expect(performance.now() - started).toBeLessThan(1_000);
    await waker.sleep(5);
    waker.endSleep(); // nothing sleeps: no effect
  });
});
