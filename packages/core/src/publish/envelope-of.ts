import type { EventDraft, EventEnvelope } from '../envelope.ts';
import { EventBusError } from '../errors.ts';
import { uuidv7 } from '../uuid-v7.ts';
import { checkDraftFields } from './draft-fields.ts';

/**
 * The CloudEvents envelope of a draft: checks what the caller set, and fills in the id (UUIDv7),
 * time, source, spec version and content type.
 */
export function envelopeOf(draft: EventDraft, source: string, contentType: string): EventEnvelope {
  if (
    draft === null ||
    typeof draft !== 'object' ||
    typeof draft.type !== 'string' ||
    draft.type.length === 0
  ) {
    throw new EventBusError(
      'INVALID_EVENT',
      'An event needs a non-empty string `type` (use defineEvent for typed events).',
    );
  }
  if (draft.key !== undefined && typeof draft.key !== 'string') {
    throw new EventBusError('INVALID_EVENT', `Event key must be a string, got ${typeof draft.key}.`);
  }
  checkDraftFields(draft);
  // One clock read for the id and the time (each read is a native call).
  const now = draft.time === undefined || draft.id === undefined ? Date.now() : 0;
  const time =
    draft.time === undefined
      ? isoAt(now)
      : draft.time instanceof Date
        ? draft.time.toISOString()
        : draft.time;
  const envelope: {
    -readonly [K in keyof EventEnvelope]: EventEnvelope[K];
  } = {
    id: draft.id ?? uuidv7(now),
    type: draft.type,
    source,
    specversion: '1.0',
    time,
    datacontenttype: contentType,
    headers: draft.headers ?? {},
    data: draft.data,
  };
  if (draft.key !== undefined) envelope.key = draft.key;
  if (draft.subject !== undefined) envelope.subject = draft.subject;
  if (draft.tenant !== undefined) envelope.tenant = draft.tenant;
  if (draft.correlationId !== undefined) envelope.correlationid = draft.correlationId;
  if (draft.dataschema !== undefined) envelope.dataschema = draft.dataschema;
  return envelope;
}

// Formatting a date is a visible cost at 100k+ events/s; events made in the same millisecond share the string.
let lastIsoMs = -1;
let lastIso = '';
function isoAt(ms: number): string {
  if (ms !== lastIsoMs) {
    lastIsoMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}
