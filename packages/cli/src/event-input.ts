import type { EventDraft } from '@switchyard/core';
import { checkDraftFields } from '@switchyard/core/transport';
import { inputError, usageError } from './exit-codes.ts';

/** How `publish` turns what it reads into events. */
export interface InputRules {
  /** Every line is the data of an event of this type; without it, every line is an event object. */
  readonly type?: string;
  readonly key?: string;
  /** Take each event's key from this top-level field of its data. */
  readonly keyField?: string;
  readonly subject?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

const EVENT_FIELDS = new Set([
  'type',
  'data',
  'key',
  'id',
  'subject',
  'time',
  'tenant',
  'correlationId',
  'headers',
]);

/**
 * One event per non-empty line. With `--type` a line is the event's data (any JSON value); without
 * it, a line is an object `{ "type", "data", "key"?, "id"?, "subject"?, "time"?, "tenant"?,
 * "correlationId"?, "headers"? }`. Throws a usage error naming the first bad line; nothing is
 * published then.
 */
export function parseEvents(text: string, rules: InputRules, origin: string): EventDraft[] {
  const events: EventDraft[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const where = lines.length === 1 ? origin : `${origin} line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw inputError(
        `${where} is not JSON: ${(error as Error).message}.`,
        'Give one JSON value per line (nothing was published).',
      );
    }
    events.push(rules.type === undefined ? eventObject(value, where, rules) : dataEvent(value, where, rules));
  }
  return events;
}

function dataEvent(data: unknown, where: string, rules: InputRules): EventDraft {
  const draft: { -readonly [K in keyof EventDraft]: EventDraft[K] } = { type: rules.type!, data };
  const key = rules.keyField === undefined ? rules.key : keyFrom(data, rules.keyField, where);
  if (key !== undefined) draft.key = key;
  if (rules.subject !== undefined) draft.subject = rules.subject;
  if (rules.headers !== undefined) draft.headers = rules.headers;
  return draft;
}

function eventObject(value: unknown, where: string, rules: InputRules): EventDraft {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw inputError(
      `${where} is not an event object.`,
      'Without --type each line is {"type": "...", "data": ..., "key": "..."}; with --type each line is the data.',
    );
  }
  const event = value as Record<string, unknown>;
  if (typeof event.type !== 'string' || event.type === '' || !('data' in event)) {
    throw inputError(
      `${where} needs a string "type" and a "data" field.`,
      'Or pass --type and give the data alone on each line.',
    );
  }
  const unknown = Object.keys(event).filter((k) => !EVENT_FIELDS.has(k));
  if (unknown.length > 0) {
    throw inputError(
      `${where} has unknown field(s) ${unknown.join(', ')}.`,
      `Event fields: ${[...EVENT_FIELDS].join(', ')}.`,
    );
  }
  if (event.key !== undefined && typeof event.key !== 'string')
    throw inputError(`${where}: "key" must be a string.`);
  // The bus's own checks of a draft's other fields (types, a time that is not RFC 3339 …), here so
  // that a bad line stops the whole input before anything is published, as the README says.
  try {
    checkDraftFields(event as unknown as EventDraft);
  } catch (error) {
    throw inputError(`${where}: ${(error as Error).message}`, 'Fix that line (nothing was published).');
  }
  const key =
    (event.key as string | undefined) ??
    (rules.keyField === undefined ? rules.key : keyFrom(event.data, rules.keyField, where));
  return {
    ...(event as unknown as EventDraft),
    ...(key === undefined ? {} : { key }),
    headers: { ...rules.headers, ...(event.headers as Record<string, string> | undefined) },
  };
}

function keyFrom(data: unknown, field: string, where: string): string {
  const value =
    data !== null && typeof data === 'object' ? (data as Record<string, unknown>)[field] : undefined;
  if (typeof value !== 'string' && typeof value !== 'number')
    throw inputError(`${where}: --key-field ${field} is not a string or number field of the data.`);
  return String(value);
}

/** `name=value` pairs of repeated `--header` options. */
export function parseHeaders(pairs: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usageError(`--header ${JSON.stringify(pair)} is not name=value.`);
    headers[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return headers;
}
