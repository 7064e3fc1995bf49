import { afterEach, describe, expect, it, vi } from 'vitest';
import { consoleReporter, describeReport } from './console-reporter.ts';

const handle = { operation: 'handle', topic: 'orders', group: 'billing', eventId: 'e-1' } as const;

describe('consoleReporter', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('prints a burst per operation and topic, then the count of the rest when the window ends', () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    const report = consoleReporter({ burst: 2, windowMs: 1_000, write: (line) => lines.push(line) });
    for (let n = 0; n < 5; n++) report(new Error(`poison ${n}`), handle);
    report(new Error('other topic'), { ...handle, topic: 'payments' });
    expect(lines).toHaveLength(3);
    vi.advanceTimersByTime(1_000);
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe(
      '[switchyard] 3 more dead-lettered events on orders in the last 1 s were not printed (onError receives every one; the metrics count them).',
    );
    report(new Error('next window'), handle);
    expect(lines.at(-1)).toMatch(/next window/);
  });

  it('prints what it still counts on flush, and nothing more afterwards', () => {
    const lines: string[] = [];
    const report = consoleReporter({ burst: 1, windowMs: 60_000, write: (line) => lines.push(line) });
    report(new Error('a'), { operation: 'emit', topic: 'orders' });
    report(new Error('b'), { operation: 'emit', topic: 'orders' });
    report.flush();
    report.flush();
    expect(lines).toEqual([
      '[switchyard] emit failed on orders: a',
      '[switchyard] 1 more emit reports on orders in the last 60 s were not printed (onError receives every one; the metrics count them).',
    ]);
  });

  it('says what happened to an event that could not be handled', () => {
    expect(
      describeReport(new Error('card declined'), {
        ...handle,
        reason: 'handler-failed',
        attempts: 1,
        deadLetterTopic: 'orders.dlq',
      }),
    ).toBe(
      '[switchyard] event e-1 on orders (group billing) could not be handled after 1 attempt (handler-failed) and was dead-lettered to orders.dlq: card declined',
    );
    expect(describeReport(new Error('x'), { operation: 'drop', topic: 'orders' })).toBe(
      '[switchyard] event (no id) on orders could not be handled and was dropped (the subscription has deadLetter: false): x',
    );
  });
});
