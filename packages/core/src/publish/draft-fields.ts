import type { EventDraft } from '../envelope.ts';
import { EventBusError } from '../errors.ts';

/**
 * Throws INVALID_EVENT when an optional field of a draft has the wrong type. Without it a number
 * in `headers` or `subject` reached the broker client and failed there (PUBLISH_FAILED, or
 * INTERNAL on NATS), as if the broker were at fault. Only present fields are looked at: a plain
 * draft costs a few `typeof`s.
 */
export function checkDraftFields(draft: EventDraft): void {
  for (const field of ['id', 'subject', 'tenant', 'correlationId'] as const) {
    const value = draft[field];
    if (value !== undefined && typeof value !== 'string')
      invalid(`\`${field}\` must be a string, got ${typeof value}`);
  }
  if (draft.time !== undefined && typeof draft.time !== 'string' && !(draft.time instanceof Date))
    invalid(`\`time\` must be an ISO string or a Date, got ${typeof draft.time}`);
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

function invalid(problem: string): never {
  throw new EventBusError('INVALID_EVENT', `${problem}.`);
}
