import { describe, expect, it } from 'vitest';
import { UnansweredStops } from './unanswered-stops.ts';

describe('UnansweredStops', () => {
  it('says the server hangs right after a stop it did not answer', () => {
    let now = 1_000;
    const stops = new UnansweredStops(2_000, () => now);
    expect(stops.serverHangs).toBe(false);
    stops.note(true);
    now += 50;
    expect(stops.serverHangs).toBe(true);
  });

  it('lets a later answered stop clear it: the latest stop decides', () => {
    const stops = new UnansweredStops(2_000, () => 1_000);
    stops.note(true);
    stops.note(false);
    expect(stops.serverHangs).toBe(false);
  });

  it('forgets an unanswered stop once it is no longer recent', () => {
    let now = 1_000;
    const stops = new UnansweredStops(2_000, () => now);
    stops.note(true);
    now += 2_001;
    expect(stops.serverHangs).toBe(false);
  });
});
