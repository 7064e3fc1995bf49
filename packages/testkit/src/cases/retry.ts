import { expect } from 'vitest';
import type { CaseHarness } from '../harness.ts';

/** Redelivery and retry with backoff, in process and through the broker. */
export const retryCases = {
  async 'redelivers an event after the handler throws'(h: CaseHarness) {
    const topic = h.topic();
    const bus = await h.bus();
    await h.ensureTopics(bus, topic, `${topic}.dlq`);
    const attempts: number[] = [];
    let done = false;
    await bus.subscribe(
      topic,
      (_event, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt === 1) throw new Error('transient failure');
        done = true;
      },
      { group: h.group('g'), retry: { attempts: 3, initialDelayMs: 10, jitter: 'none' } },
    );
    await bus.publish(topic, { type: 'item', data: { n: 1 }, key: 'k' });
    await h.waitFor('the retried event to succeed', () => done);
    expect(attempts).toEqual([1, 2]);
  },

  async 'retries the configured number of times with growing backoff'(h: CaseHarness) {
    const topic = h.topic();
    const bus = await h.bus();
    await h.ensureTopics(bus, topic, `${topic}.dlq`);
    const times: number[] = [];
    await bus.subscribe(
      topic,
      () => {
        times.push(performance.now());
        throw new Error('always fails');
      },
      { group: h.group('g'), retry: { attempts: 4, initialDelayMs: 40, multiplier: 2, jitter: 'none' } },
    );
    await bus.publish(topic, { type: 'item', data: { n: 1 }, key: 'k' });
    await h.waitFor('four attempts', () => times.length >= 4);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(times).toHaveLength(4);
    // 40, 80, 160 ms; timers may fire a little early or late, never much early.
    expect(gaps[0]).toBeGreaterThanOrEqual(35);
    expect(gaps[1]).toBeGreaterThanOrEqual(75);
    expect(gaps[2]).toBeGreaterThanOrEqual(155);
  },

  async 'hands long retry delays back to the broker and keeps other keys flowing'(h: CaseHarness) {
    const topic = h.topic();
    const bus = await h.bus();
    await h.ensureTopics(bus, topic, `${topic}.dlq`);
    const firstAttemptAt = new Map<string, number>();
    let retriedAfter = -1;
    let retriedAttempt = 0;
    const others = new Set<number>();
    await bus.subscribe(
      topic,
      (event, ctx) => {
        const n = (event.data as { n: number }).n;
        if (n !== 0) {
          others.add(n);
          return;
        }
        if (ctx.attempt === 1) {
          firstAttemptAt.set(event.id, performance.now());
          throw new Error('needs a long delay');
        }
        retriedAfter = performance.now() - firstAttemptAt.get(event.id)!;
        retriedAttempt = ctx.attempt;
      },
      {
        group: h.group('g'),
        retry: { attempts: 3, initialDelayMs: 500, jitter: 'none', inProcessMaxDelayMs: 0 },
      },
    );
    await bus.publish(topic, { type: 'item', data: { n: 0 }, key: 'slow' });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        bus.publish(topic, { type: 'item', data: { n: i + 1 }, key: `other-${i}` }),
      ),
    );
    await h.waitFor('other keys while the first waits', () => others.size === 10);
    await h.waitFor('the delayed redelivery', () => retriedAttempt > 0);
    expect(retriedAttempt).toBe(2);
    expect(retriedAfter).toBeGreaterThanOrEqual(450);
  },
};
