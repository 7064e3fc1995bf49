import { isEventBusError } from '@switchyard/core';
import { expect } from 'vitest';
import type { CaseHarness } from '../harness.ts';
import { errorOf } from '../wait.ts';

/** Bad input gets a clear error and breaks nothing. */
export const errorCases = {
  async 'rejects publish after close'(h: CaseHarness) {
    const bus = await h.bus();
    const topic = h.topic();
    await h.ensureTopics(bus, topic);
    await bus.publish(topic, { type: 'item', data: {} });
    await bus.close();
    const error = await errorOf(bus.publish(topic, { type: 'item', data: {} }));
    expect(isEventBusError(error, 'CLOSED')).toBe(true);
    expect((error as Error).message).toMatch(/closed/);
  },

  async 'rejects invalid topic names with a clear error'(h: CaseHarness) {
    const bus = await h.bus();
    for (const bad of [
      '',
      'has space',
      'orders.*',
      'orders.>',
      'a..b',
      '.lead',
      'trail.',
      'x/y',
      'a'.repeat(300),
    ]) {
      const error = await errorOf(bus.publish(bad, { type: 'item', data: {} }));
      expect(isEventBusError(error, 'INVALID_TOPIC'), `publish to ${JSON.stringify(bad)}`).toBe(true);
      const subError = await errorOf(bus.subscribe(bad, () => {}));
      expect(isEventBusError(subError, 'INVALID_TOPIC'), `subscribe to ${JSON.stringify(bad)}`).toBe(true);
    }
  },

  async 'rejects an oversize event and keeps publishing'(h: CaseHarness) {
    const bus = await h.bus();
    const topic = h.topic();
    await h.ensureTopics(bus, topic);
    const seen: string[] = [];
    await bus.subscribe(
      topic,
      (e) => {
        seen.push(e.type);
      },
      { group: h.group('g') },
    );
    const huge = 'x'.repeat(h.capabilities.maxMessageBytes + 1);
    const error = await errorOf(bus.publish(topic, { type: 'big', data: { huge } }));
    expect(isEventBusError(error, 'EVENT_TOO_LARGE')).toBe(true);
    expect((error as Error).message).toMatch(/bytes/);
    await bus.publish(topic, { type: 'small', data: { ok: true } });
    await h.waitFor('the small event', () => seen.includes('small'));
    expect(seen).not.toContain('big');
  },

  async 'rejects an event without a type'(h: CaseHarness) {
    const bus = await h.bus();
    const error = await errorOf(bus.publish(h.topic(), { data: 1 } as never));
    expect(isEventBusError(error, 'INVALID_EVENT')).toBe(true);
  },
};
