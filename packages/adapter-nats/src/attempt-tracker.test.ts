import { describe, expect, it } from 'vitest';
import { AttemptTracker } from './attempt-tracker.ts';

describe('AttemptTracker', () => {
  it('reports the broker delivery count when core asked for nothing', () => {
    expect(new AttemptTracker().attemptOf(7, 3)).toBe(3);
  });

  it('reports the attempt core asked for when the nacked event comes back', () => {
    const tracker = new AttemptTracker();
    tracker.nacked(7, 1, 4); // core tried 3 times in process, then handed the event back
    expect(tracker.attemptOf(7, 2)).toBe(4);
  });

  it('counts deliveries core never settled on top of the requested attempt', () => {
    const tracker = new AttemptTracker();
    tracker.nacked(7, 1, 4);
    expect(tracker.attemptOf(7, 3)).toBe(5);
  });

  it('never reports fewer attempts than the broker delivered', () => {
    const tracker = new AttemptTracker();
    tracker.nacked(7, 5, 2);
    expect(tracker.attemptOf(7, 6)).toBe(6);
  });

  it('forgets an event once it is settled, and the oldest beyond its limit', () => {
    const tracker = new AttemptTracker(2);
    tracker.nacked(1, 1, 3);
    tracker.nacked(2, 1, 3);
    tracker.nacked(3, 1, 3);
    expect(tracker.size).toBe(2);
    expect(tracker.attemptOf(1, 2)).toBe(2);
    tracker.settled(2);
    expect(tracker.attemptOf(2, 2)).toBe(2);
    expect(tracker.attemptOf(3, 2)).toBe(3);
  });
});
