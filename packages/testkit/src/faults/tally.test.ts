import { EventBusError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { FaultTally } from './tally.ts';

describe('FaultTally', () => {
  it('counts lost, received and duplicated events by number', () => {
    const t = new FaultTally(4);
    for (const n of [0, 1, 2, 3]) t.ack(n);
    for (const n of [0, 1, 1, 2]) t.handle(n);
    expect(t.lost()).toEqual([3]);
    expect(t.received).toBe(3);
    expect(t.duplicated).toBe(1);
    expect(t.allAckedHandled()).toBe(false);
    t.handle(3);
    expect(t.allAckedHandled()).toBe(true);
  });

  it('flags an event handled first after a later one of its key, but not a redelivery', () => {
    const t = new FaultTally(2); // keys: even and odd numbers
    for (const n of [0, 1, 2, 3, 4, 5]) t.ack(n);
    for (const n of [0, 2, 4, 0, 2]) t.handle(n); // 0 and 2 again: redeliveries
    expect(t.orderViolations).toBe(0);
    t.handle(1);
    t.handle(5);
    t.handle(3); // first time, after 5 of the same key
    expect(t.orderViolations).toBe(1);
  });

  it('leaves out of the order check an event whose publish was reported failed but was stored anyway', () => {
    const t = new FaultTally(1);
    for (const n of [0, 1, 3]) t.ack(n);
    t.fail(2, new EventBusError('TIMEOUT', 'publish timed out', { retriable: true }));
    for (const n of [0, 1, 3, 2]) t.handle(n); // 2 landed after 3: the caller was told it failed
    expect(t.orderViolations).toBe(0);
  });

  it('keeps retriable EventBusErrors apart from failures that break the contract', () => {
    const t = new FaultTally(1);
    t.fail(0, new EventBusError('BUFFER_FULL', 'full', { retriable: true }));
    t.fail(1, new EventBusError('BUFFER_FULL', 'full', { retriable: true }));
    t.fail(2, new EventBusError('INTERNAL', 'broken'));
    t.fail(3, new Error('plain'));
    expect(Object.fromEntries(t.failures)).toEqual({
      'BUFFER_FULL/retriable': 2,
      'INTERNAL/not retriable': 1,
      'not an EventBusError': 1,
    });
    expect(t.failed).toBe(4);
    expect(t.badFailures).toHaveLength(2);
  });

  it('measures the longest publish, and the longest gaps between acknowledgements and between first handles', () => {
    const t = new FaultTally(1);
    t.ack(0, 1_000);
    t.settled(300);
    t.settled(120);
    t.ack(1, 1_100);
    t.ack(2, 3_100);
    t.endPublishing(3_600);
    expect(t.longestAckGapMs).toBe(2_000);
    expect(t.longestSettleMs).toBe(300);
    t.handle(0, 1_000);
    t.handle(0, 5_000); // a redelivery is no progress
    t.handle(1, 6_000);
    expect(t.longestHandleGapMs).toBe(5_000);
  });
});
