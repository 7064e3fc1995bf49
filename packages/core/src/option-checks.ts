import { closestName } from './closest-name.ts';
import { configError } from './errors.ts';

/**
 * Checks every `resolveXOptions()` shares: each throws INVALID_CONFIG naming the field and
 * repeating the value it got.
 */
export function checkPositive(field: string, value: number): void {
  if (!(typeof value === 'number' && value > 0 && Number.isFinite(value)))
    rejectOption(field, 'must be a number > 0', value);
}

/** A finite number ≥ `min`. */
export function checkAtLeast(field: string, value: number, min: number): void {
  if (!(typeof value === 'number' && value >= min && Number.isFinite(value)))
    rejectOption(field, `must be a number >= ${min}`, value);
}

/** A whole number ≥ `min`. */
export function checkWholeAtLeast(field: string, value: number, min: number): void {
  if (!(Number.isInteger(value) && value >= min))
    rejectOption(field, `must be a whole number >= ${min}`, value);
}

/**
 * Rejects a key of `value` that is not in `known` (a misspelled option would be ignored), naming the
 * known ones and the one it is probably meant to be: `meant` maps names other clients use for an
 * option (nats.js' `pass`, ioredis' `connectTimeout`) to ours; otherwise a known name a few edits
 * away is offered.
 */
export function checkKnownKeys(
  value: unknown,
  known: readonly string[],
  prefix: string,
  meant: Readonly<Record<string, string>> = {},
): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw configError(prefix.slice(0, -1) || 'options', 'must be an object');
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const guess = Object.hasOwn(meant, key) ? meant[key] : closestName(key, known);
    const hint = guess === undefined ? '' : `. Did you mean \`${prefix}${guess}\`?`;
    throw configError(`${prefix}${key}`, `unknown option; known ones are ${known.join(', ')}${hint}`);
  }
}

export function rejectOption(field: string, problem: string, got: unknown): never {
  throw configError(field, `${problem}, got ${JSON.stringify(got)}`);
}

/**
 * One environment variable's text as the kind of value its option takes (what every adapter's
 * `transportFromEnv` reads): a number, a boolean (`true/1/yes/on`, `false/0/no/off`), a
 * comma-separated list, or the text. A bad value fails naming the variable.
 */
export function parseEnvValue(
  variable: string,
  kind: 'number' | 'boolean' | 'list' | 'string',
  raw: string,
): number | boolean | string[] | string {
  switch (kind) {
    case 'number': {
      const value = Number(raw);
      if (!Number.isFinite(value))
        throw configError(variable, `must be a number, got ${JSON.stringify(raw)}`);
      return value;
    }
    case 'boolean':
      if (/^(true|1|yes|on)$/i.test(raw)) return true;
      if (/^(false|0|no|off)$/i.test(raw)) return false;
      throw configError(variable, `must be true or false, got ${JSON.stringify(raw)}`);
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
    default:
      return raw;
  }
}

/**
 * An INVALID_CONFIG error of an option restated for the environment variable that set it, so the
 * message names what the user wrote; any other error (or an option no variable set) as it is.
 */
export function restateForEnv(error: unknown, variableOf: (field: string) => string | undefined): unknown {
  const field = (error as { details?: { field?: unknown } } | null)?.details?.field;
  const variable = typeof field === 'string' ? variableOf(field) : undefined;
  if (variable === undefined) return error;
  return configError(variable, (error as Error).message.replace(/^Invalid option `[^`]+`: /, ''));
}
