import { closest, distance } from 'fastest-levenshtein';

/**
 * The known name within a few edits of `name` (a misspelling of it), if there is one: what an
 * "unknown option" or "unknown variable" message offers as "did you mean …?".
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const guess = closest(name, [...known]);
  return distance(name, guess) <= Math.max(3, Math.floor(name.length / 4)) ? guess : undefined;
}
