import { expect } from 'vitest';
import { type CaseHarness, sleep } from '../harness.ts';

/** Per-key order: same key one at a time in publish order, different keys concurrently. */
export const orderingCases = {
  async 'handles each key in publish order while keys run concurrently'(h: CaseHarness) {
    const topic = h.topic();
    const bus = await h.bus();
    await h.ensureTopics(bus, topic);
    const perKey = new Map<string, number[]>();
    const active = new Map<string, number>();
    let overlaps = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    await bus.subscribe(
      topic,
      async (event) => {
        const key = event.key!;
        if ((active.get(key) ?? 0) > 0) overlaps++;
        active.set(key, (active.get(key) ?? 0) + 1);
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await sleep(Math.random() * 4);
        const list = perKey.get(key) ?? [];
        list.push((event.data as { seq: number }).seq);
        perKey.set(key, list);
        concurrent--;
        active.set(key, active.get(key)! - 1);
      },
      { group: h.group('ordered'), concurrency: 16 },
    );
    const keys = 20;
    const perKeyCount = 25;
    // Sequential per key, interleaved across keys: publish order per key is well defined.
    for (let seq = 0; seq < perKeyCount; seq++) {
      await Promise.all(
        Array.from({ length: keys }, (_, k) =>
          bus.publish(topic, { type: 'step', data: { seq }, key: `agg-${k}` }),
        ),
      );
    }
    await h.waitFor(
      'every event',
      () => [...perKey.values()].reduce((s, l) => s + l.length, 0) >= keys * perKeyCount,
    );
    expect(overlaps).toBe(0);
    expect(maxConcurrent).toBeGreaterThan(1);
    for (const [key, list] of perKey)
      expect(list, `order of ${key}`).toEqual(Array.from({ length: perKeyCount }, (_, i) => i));
  },
};
