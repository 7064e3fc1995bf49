import { expect } from 'vitest';
import type { CaseHarness } from '../harness.ts';

/** Consumer groups: different groups each get everything; one group shares the work. */
export const groupCases = {
  async 'gives every event to each of two groups'(h: CaseHarness) {
    const topic = h.topic();
    const bus = await h.bus();
    await h.ensureTopics(bus, topic);
    const a = new Set<string>();
    const b = new Set<string>();
    await bus.subscribe(
      topic,
      (e) => {
        a.add(e.id);
      },
      { group: h.group('billing') },
    );
    await bus.subscribe(
      topic,
      (e) => {
        b.add(e.id);
      },
      { group: h.group('shipping') },
    );
    const receipts = await Promise.all(
      Array.from({ length: 50 }, (_, n) => bus.publish(topic, { type: 'item', data: { n }, key: `k${n}` })),
    );
    await h.waitFor('both groups to get all 50', () => a.size === 50 && b.size === 50);
    expect([...a].sort()).toEqual(receipts.map((r) => r.id).sort());
  },

  async 'shares the work of one group between two subscribers'(h: CaseHarness) {
    const topic = h.topic();
    const bus1 = await h.bus();
    const bus2 = await h.bus();
    await h.ensureTopics(bus1, topic);
    const first = new Set<string>();
    const second = new Set<string>();
    await bus1.subscribe(
      topic,
      (e) => {
        first.add(e.id);
      },
      { group: h.group('workers') },
    );
    await bus2.subscribe(
      topic,
      (e) => {
        second.add(e.id);
      },
      { group: h.group('workers') },
    );
    const receipts = await Promise.all(
      Array.from({ length: 200 }, (_, n) =>
        bus1.publish(topic, { type: 'item', data: { n }, key: `key-${n}` }),
      ),
    );
    await h.waitFor('200 events across both subscribers', () => new Set([...first, ...second]).size === 200);
    expect(first.size).toBeGreaterThan(0);
    expect(second.size).toBeGreaterThan(0);
    const all = new Set([...first, ...second]);
    for (const r of receipts) expect(all.has(r.id)).toBe(true);
  },
};
