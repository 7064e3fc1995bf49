import { usageError } from './exit-codes.ts';

const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * `500ms`, `30s`, `15m`, `12h`, `7d`, `2w` → milliseconds. `forever`, `infinite` and `-1` →
 * `-1`, what Kafka and NATS take for "no limit" when `allowForever` is set.
 */
export function parseDuration(text: string, option: string, allowForever = false): number {
  const raw = text.trim().toLowerCase();
  if (allowForever && (raw === 'forever' || raw === 'infinite' || raw === '-1')) return -1;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(raw);
  if (match === null) {
    throw usageError(
      `${option} ${JSON.stringify(text)} is not a duration.`,
      `Use a number and a unit: 500ms, 30s, 15m, 12h, 7d, 2w${allowForever ? ', or forever' : ''}.`,
    );
  }
  return Math.round(Number(match[1]) * UNITS[match[2]!]!);
}

/** Milliseconds as the largest whole unit: 604800000 → `7d`, -1 → `forever`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (ms < 0) return 'forever';
  if (ms === 0) return '0';
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    const size = UNITS[unit]!;
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * A point in time: an ISO 8601 time (`2026-12-01T10:00:00Z`, `2026-12-01`), or a duration meaning
 * that long ago (`2h` → two hours before `now`).
 */
export function parseTime(text: string, option: string, now = Date.now()): Date {
  const raw = text.trim();
  if (/^\d+(?:\.\d+)?(ms|s|m|h|d|w)$/i.test(raw)) return new Date(now - parseDuration(raw, option));
  const time = /^\d{4}-\d{2}-\d{2}/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(time)) {
    throw usageError(
      `${option} ${JSON.stringify(text)} is neither an ISO 8601 time nor a duration.`,
      'Use e.g. 2026-12-01T10:00:00Z, or 2h for two hours ago.',
    );
  }
  return new Date(time);
}

/** A whole number ≥ `min` from an option's text. */
export function parseCount(text: string, option: string, min = 1): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) {
    throw usageError(`${option} must be a whole number ≥ ${min}, got ${JSON.stringify(text)}.`);
  }
  return value;
}
