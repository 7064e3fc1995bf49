/**
 * The fields of an options object that are set: spread over defaults or a preset, an explicit
 * `undefined` (common with `exactOptionalPropertyTypes` and env-derived options) must not erase
 * the default. The one helper every `resolveXOptions()` uses.
 */
export function definedFields<T extends object>(value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  const out: Partial<T> = {};
  for (const key of Object.keys(value) as Array<keyof T>) {
    if (value[key] !== undefined) out[key] = value[key];
  }
  return out;
}
