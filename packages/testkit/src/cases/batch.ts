import { DLQ_HEADERS, defineEvent, type EventEnvelope } from '@switchyard/core';
import { expect } from 'vitest';
import type { CaseHarness } from '../harness.ts';

const Reading = defineEvent<{ sensor: string; seq: number }>('reading.taken');

/** Batch handlers (`subscribeBatch`): bulk work with the same ordering, retry and dead-letter promises. */
export const batchCases = {
  async 'hands events over in batches, each key in publish order'(h: CaseHarness) {
    const topic = h.topic();
    const bus = await h.bus({ source: `svc-${h.id}` });
    await h.ensureTopics(bus, topic);
    const batches: Array<ReadonlyArray<EventEnvelope<{ sensor: string; seq: number }>>> = [];
    await bus.subscribeBatch(
      topic,
      Reading,
      (events) => {
        batches.push(events);
      },
      { batch: { maxEvents: 50, maxWaitMs: 20 } },
    );
    await Promise.all(
      Array.from({ length: 500 }, (_, n) => {
        const sensor = `s${n % 20}`;
        return bus.publish(topic, Reading({ sensor, seq: Math.floor(n / 20) }, { key: sensor }));
      }),
    );
    await h.waitFor('500 readings', () => batches.flat().length >= 500);
    const all = batches.flat();
    expect(new Set(all.map((e) => e.id)).size).toBe(500);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(50);
    expect(batches.some((b) => b.length > 1)).toBe(true);
    const last = new Map<string, number>();
    for (const e of all) {
      expect(e.data.seq).toBeGreaterThan(last.get(e.data.sensor) ?? -1);
      last.set(e.data.sensor, e.data.seq);
    }
  },

  async 'retries a failing batch whole, then dead-letters each of its events'(h: CaseHarness) {
    const topic = h.topic();
    const bus = await h.bus({ source: `svc-${h.id}` });
    await h.ensureTopics(bus, topic, `${topic}.dlq`);
    const sizes: number[] = [];
    await bus.subscribeBatch(
      topic,
      (events) => {
        sizes.push(events.length);
        throw new Error('database unavailable');
      },
      { batch: { maxEvents: 10, maxWaitMs: 50 }, retry: { attempts: 2, initialDelayMs: 5, jitter: 'none' } },
    );
    const dead = await h.rawConsume(`${topic}.dlq`);
    const receipts = await Promise.all(
      [1, 2, 3].map((n) => bus.publish(topic, Reading({ sensor: 's', seq: n }, { key: 's' }))),
    );
    await h.waitFor('three dead letters', () => dead.length >= 3);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(6); // every event twice, in whole batches
    for (const letter of dead) {
      expect(letter.headers[DLQ_HEADERS.reason]).toBe('handler-failed');
      expect(letter.headers[DLQ_HEADERS.errorMessage]).toBe('database unavailable');
      expect(letter.headers[DLQ_HEADERS.attempts]).toBe('2');
    }
    const ids = dead.flatMap((d) => Object.values(d.headers));
    for (const r of receipts) expect(ids).toContain(r.id);
  },
};
