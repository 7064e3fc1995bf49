import { describe, expect, it } from 'vitest';
import { formatDuration, parseCount, parseDuration, parseTime } from './durations.ts';
import { CliError } from './exit-codes.ts';

describe('durations', () => {
  it('reads the units an operator types', () => {
    expect(parseDuration('7d', '--retention')).toBe(604_800_000);
    expect(parseDuration('36h', '--retention')).toBe(129_600_000);
    expect(parseDuration('1.5s', '--x')).toBe(1_500);
    expect(parseDuration('forever', '--retention', true)).toBe(-1);
  });

  it('refuses what is not a duration, naming the option', () => {
    expect(() => parseDuration('7 days', '--retention')).toThrow(/--retention "7 days" is not a duration/);
    expect(() => parseDuration('forever', '--x')).toThrow(CliError);
  });

  it('prints a duration in its largest whole unit', () => {
    expect(formatDuration(604_800_000)).toBe('1w');
    expect(formatDuration(86_400_000 * 3)).toBe('3d');
    expect(formatDuration(-1)).toBe('forever');
    expect(formatDuration(1_234)).toBe('1234ms');
  });

  it('reads a time as ISO 8601 or as a duration ago', () => {
    expect(parseTime('2026-12-01T10:00:00Z', '--since').toISOString()).toBe('2026-12-01T10:00:00.000Z');
    expect(parseTime('2h', '--since', 10_000_000).getTime()).toBe(10_000_000 - 7_200_000);
    expect(() => parseTime('yesterday', '--since')).toThrow(/neither an ISO 8601 time nor a duration/);
  });

  it('reads counts', () => {
    expect(parseCount('10', '--limit')).toBe(10);
    expect(() => parseCount('0', '--limit')).toThrow(/--limit must be a whole number ≥ 1/);
  });
});
