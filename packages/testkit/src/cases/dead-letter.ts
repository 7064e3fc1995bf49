import { DLQ_HEADERS, defineEvent, type ErrorReport } from '@switchyard/core';
import { expect } from 'vitest';
import type { CaseHarness } from '../harness.ts';
import { itemSchema } from '../schema.ts';

/**
 * A bus whose group `g` records the `n` of every event it handles on a fresh topic, and a raw
 * reader of that topic's dead letters: the start of every case about input that cannot be handled.
 */
async function goodAndDead(h: CaseHarness) {
  const topic = h.topic();
  const bus = await h.bus();
  await h.ensureTopics(bus, topic, `${topic}.dlq`);
  const good: number[] = [];
  await bus.subscribe(
    topic,
    (event) => {
      good.push((event.data as { n: number }).n);
    },
    { group: h.group('g') },
  );
  const dead = await h.rawConsume(`${topic}.dlq`);
  return { topic, bus, good, dead };
}

/** Dead letters: after the last attempt, and for input that can never be handled. */
export const deadLetterCases = {
  async 'dead-letters after the last attempt with the error attached, and reports it to onError'(
    h: CaseHarness,
  ) {
    const topic = h.topic();
    const reports: { error: Error; report: ErrorReport }[] = [];
    const bus = await h.bus({ onError: (error, report) => reports.push({ error, report }) });
    await h.ensureTopics(bus, topic, `${topic}.dlq`);
    let calls = 0;
    const failure = new TypeError('card declined');
    await bus.subscribe(
      topic,
      () => {
        calls++;
        throw failure;
      },
      { group: h.group('billing'), retry: { attempts: 2, initialDelayMs: 5, jitter: 'none' } },
    );
    const dead = await h.rawConsume(`${topic}.dlq`);
    const receipt = await bus.publish(topic, { type: 'payment', data: { amount: 10 }, key: 'p-1' });
    await h.waitFor('the dead letter', () => dead.length >= 1);
    const letter = dead[0]!;
    expect(calls).toBe(2);
    expect(letter.headers[DLQ_HEADERS.reason]).toBe('handler-failed');
    expect(letter.headers[DLQ_HEADERS.errorClass]).toBe('TypeError');
    expect(letter.headers[DLQ_HEADERS.errorMessage]).toBe('card declined');
    expect(letter.headers[DLQ_HEADERS.attempts]).toBe('2');
    expect(letter.headers[DLQ_HEADERS.originalTopic]).toBe(topic);
    expect(letter.headers[DLQ_HEADERS.group]).toBe(h.group('billing'));
    expect(Object.values(letter.headers)).toContain(receipt.id);
    expect(JSON.parse(Buffer.from(letter.value).toString('utf8'))).toEqual({ amount: 10 });
    await h.waitFor('the report', () => reports.length >= 1);
    expect(reports).toEqual([
      {
        error: failure,
        report: {
          operation: 'handle',
          topic,
          group: h.group('billing'),
          eventId: receipt.id,
          reason: 'handler-failed',
          attempts: 2,
          deadLetterTopic: `${topic}.dlq`,
        },
      },
    ]);
  },

  async 'dead-letters undecodable input and keeps consuming'(h: CaseHarness) {
    const { topic, bus, good, dead } = await goodAndDead(h);
    const raw = await h.rawTransport();
    const p = raw.headerPrefix ?? 'ce_';
    const outcomes = await raw.send([
      {
        topic,
        key: 'k',
        id: `bad-${h.id}`,
        value: Buffer.from('{not json', 'utf8'),
        headers: {
          [`${p}id`]: `bad-${h.id}`,
          [`${p}type`]: 'item',
          [`${p}source`]: 'raw',
          [`${p}specversion`]: '1.0',
          'content-type': 'application/json',
        },
      },
      { topic, key: 'k', id: `junk-${h.id}`, value: Buffer.from('no headers at all'), headers: {} },
    ]);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    await bus.publish(topic, { type: 'item', data: { n: 7 }, key: 'k' });
    await h.waitFor('the good event after the bad ones', () => good.includes(7));
    await h.waitFor('two dead letters', () => dead.length >= 2);
    expect(dead.map((d) => d.headers[DLQ_HEADERS.reason])).toEqual(['decode-failed', 'decode-failed']);
    expect(Buffer.from(dead[0]!.value).toString('utf8')).toBe('{not json');
  },

  async 'dead-letters schema-invalid input and keeps consuming'(h: CaseHarness) {
    const topic = h.topic();
    const bus = await h.bus();
    await h.ensureTopics(bus, topic, `${topic}.dlq`);
    const Item = defineEvent('item', itemSchema);
    const good: number[] = [];
    await bus.subscribe(
      topic,
      Item,
      (event) => {
        good.push(event.data.n);
      },
      { group: h.group('g') },
    );
    const dead = await h.rawConsume(`${topic}.dlq`);
    // An untyped publish skips the publisher's schema check, as a foreign producer would.
    await bus.publish(topic, { type: 'item', data: { n: 'not a number' }, key: 'k' });
    await bus.publish(topic, Item({ n: 3 }, { key: 'k' }));
    await h.waitFor('the valid event', () => good.includes(3));
    await h.waitFor('the dead letter', () => dead.length >= 1);
    expect(dead[0]!.headers[DLQ_HEADERS.reason]).toBe('schema-invalid');
    expect(dead[0]!.headers[DLQ_HEADERS.errorMessage]).toMatch(/numeric `n`/);
    expect(good).toEqual([3]);
  },

  async 'dead-letters an undecodable event as large as the broker takes, and moves on'(h: CaseHarness) {
    const { topic, bus, good, dead } = await goodAndDead(h);
    const raw = await h.rawTransport();
    const p = raw.headerPrefix ?? 'ce_';
    const headers = { [`${p}id`]: `huge-${h.id}` };
    // As large as the transport sends (up to 5 MB): larger than the bus's own 1 MiB publish limit,
    // and its dead letter, with the dead-letter headers, may be larger than the transport takes.
    const size = Math.min(raw.capabilities.maxMessageBytes, 5 * 1_048_576) - 200;
    const [outcome] = await raw.send([
      { topic, key: 'k', id: `huge-${h.id}`, value: Buffer.alloc(size, 'x'), headers },
    ]);
    expect(outcome!.ok).toBe(true);
    await bus.publish(topic, { type: 'item', data: { n: 1 }, key: 'k' });
    await h.waitFor('the event after the huge one', () => good.includes(1));
    await h.waitFor('its dead letter', () => dead.length >= 1);
    const letter = dead[0]!;
    expect(letter.headers[DLQ_HEADERS.reason]).toBe('decode-failed');
    expect(letter.headers[DLQ_HEADERS.originalTopic]).toBe(topic);
    // Whole where the dead-letter topic takes it (a 5 MB event on a broker that took it), else in
    // its bounded form: no payload, its size recorded.
    const truncated = letter.headers[DLQ_HEADERS.truncated];
    if (truncated === undefined) expect(letter.value.byteLength).toBe(size);
    else {
      expect(truncated).toBe(String(size));
      expect(letter.value.byteLength).toBe(0);
    }
  },
};
