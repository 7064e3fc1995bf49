import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { EventDraft, EventOptions } from './envelope.ts';
import { EventBusError } from './errors.ts';

/** A typed event: call it to make a draft for `publish`; pass it to `subscribe` for typed handlers. */
export interface EventDefinition<TData> {
  (data: TData, options?: EventOptions): EventDraft<TData>;
  readonly type: string;
  readonly schema: StandardSchemaV1<unknown, TData> | undefined;
  /** Checks data against the schema; resolves with the (possibly transformed) value or throws SCHEMA_VALIDATION. */
  readonly validate: (data: unknown) => Promise<TData> | TData;
}

/**
 * Declares an event type with an optional Standard Schema (zod, valibot, arktype …). Data is
 * checked on publish and again on receipt; invalid input on receipt goes to the dead-letter topic.
 */
export function defineEvent<TData = unknown>(
  type: string,
  schema?: StandardSchemaV1<unknown, TData>,
): EventDefinition<TData> {
  if (typeof type !== 'string' || type.length === 0) {
    throw new EventBusError(
      'INVALID_CONFIG',
      'defineEvent needs a non-empty event type, e.g. "order.placed".',
    );
  }
  const validate = (data: unknown): Promise<TData> | TData => {
    if (schema === undefined) return data as TData;
    const result = schema['~standard'].validate(data);
    return result instanceof Promise ? result.then((r) => unwrap(type, r)) : unwrap(type, result);
  };
  const definition = { validate };
  const factory = (data: TData, options: EventOptions = {}): EventDraft<TData> => ({
    ...options,
    type,
    data,
    definition,
  });
  return Object.assign(factory, { type, schema, validate });
}

function unwrap<T>(type: string, result: StandardSchemaV1.Result<T>): T {
  if (result.issues === undefined) return result.value;
  const summary = result.issues
    .slice(0, 5)
    .map((issue) => `${formatPath(issue.path)}${issue.message}`)
    .join('; ');
  throw new EventBusError('SCHEMA_VALIDATION', `Event ${type} does not match its schema: ${summary}`, {
    details: { issues: result.issues },
  });
}

function formatPath(path: StandardSchemaV1.Issue['path']): string {
  if (path === undefined || path.length === 0) return '';
  const parts = path.map((p) =>
    typeof p === 'object' && p !== null && 'key' in p ? String(p.key) : String(p),
  );
  return `${parts.join('.')}: `;
}
