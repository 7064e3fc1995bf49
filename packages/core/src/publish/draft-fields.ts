import type { EventDraft } from '../envelope.ts';
import { EventBusError } from '../errors.ts';

/**
 * Throws INVALID_EVENT when an optional field of a draft has the wrong type. Without it a number
 * in `headers` or `subject` reached the broker client and failed there (PUBLISH_FAILED, or
 * INTERNAL on NATS), as if the broker were at fault. Only present fields are looked at: a plain
 * draft costs a few `typeof`s.
 */
export function checkDraftFields(draft: EventDraft): void {
  // Field by field, not a loop over their names: this runs for every event published.
  checkString('id', draft.id);
  checkString('subject', draft.subject);
  checkString('tenant', draft.tenant);
  checkString('correlationId', draft.correlationId);
  if (draft.time !== undefined) checkTime(draft.time);
  const headers: unknown = draft.headers;
  if (headers === undefined) return;
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers))
    invalid('Event headers must be an object of string values');
  for (const name in headers as Record<string, unknown>) {
    const value = (headers as Record<string, unknown>)[name];
    if (typeof value !== 'string')
      invalid(`Header ${JSON.stringify(name)} must be a string, got ${typeof value}`);
  }
}

function checkString(field: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'string')
    invalid(`\`${field}\` must be a string, got ${typeof value}`);
}

/** CloudEvents' `time` is an RFC 3339 timestamp: a string is sent as given, so it is checked here. */
function checkTime(time: unknown): void {
  if (time instanceof Date) {
    if (Number.isNaN(time.getTime())) invalid('`time` is an invalid Date');
  } else if (typeof time !== 'string') {
    invalid(`\`time\` must be an ISO string or a Date, got ${typeof time}`);
  } else if (!isRfc3339(time)) {
    invalid(
      `\`time\` must be an RFC 3339 timestamp such as 2026-12-06T10:00:00Z (a date, a time and an offset), got ${JSON.stringify(time.length > 64 ? `${time.slice(0, 64)}…` : time)}`,
    );
  }
}

const RFC_3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/** `date-time` of RFC 3339 section 5.6, with the ranges of each field (a leap second allowed). */
function isRfc3339(text: string): boolean {
  const m = RFC_3339.exec(text);
  if (m === null) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 60 &&
    (m[7] === undefined || (Number(m[7]) <= 23 && Number(m[8]) <= 59))
  );
}

function invalid(problem: string): never {
  throw new EventBusError('INVALID_EVENT', `${problem}.`);
}
