import { createEventBus, type EventBus, memoryTransport } from '@switchyard/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RatePublisher, SteadyPublisher } from './publishers.ts';
import { FaultTally } from './tally.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('fault case publishers', () => {
  let bus: EventBus;
  beforeEach(() => {
    bus = createEventBus({ source: 'publishers-test', transport: memoryTransport(), onError: () => {} });
  });
  afterEach(() => bus.close());

  it('a steady publisher issues numbered keyed events until stopped, and every one settles', async () => {
    const tally = new FaultTally(4);
    const seen: Array<{ n: number; key: string | undefined }> = [];
    await bus.subscribe('steady', (e) => void seen.push({ n: (e.data as { n: number }).n, key: e.key }));
    const publisher = new SteadyPublisher(bus, 'steady', 4, tally, { batch: 10, pauseMs: 5 });
    publisher.start();
    await sleep(100);
    expect(await publisher.stop(5_000)).toBe(0);
    expect(tally.acked.size).toBe(publisher.issued);
    expect(publisher.issued).toBeGreaterThan(10);
    expect(seen.find((e) => e.n === 5)?.key).toBe('k1');
  });

  it('a rate publisher offers about its rate and reports failures to the tally', async () => {
    const tally = new FaultTally(4);
    const failing = createEventBus({
      source: 'publishers-test',
      transport: memoryTransport(),
      publishBuffer: { maxMessages: 1, whenFull: 'fail' },
      onError: () => {},
    });
    const publisher = new RatePublisher(failing, 'rate', 4, tally, 1_000);
    publisher.start();
    await sleep(300);
    expect(await publisher.stop(5_000)).toBe(0);
    expect(publisher.issued).toBeGreaterThan(150);
    expect(publisher.issued).toBeLessThan(450);
    expect(tally.acked.size + tally.failed).toBe(publisher.issued);
    await failing.close();
  });

  it('marks the crash event in its data', async () => {
    const tally = new FaultTally(4);
    let crash: unknown;
    await bus.subscribe('crash', (e) => {
      crash = e.data;
    });
    const n = await new SteadyPublisher(bus, 'crash', 4, tally).publishCrash();
    await sleep(50);
    expect(crash).toEqual({ n, crash: true });
    expect(tally.acked.has(n)).toBe(true);
  });
});
