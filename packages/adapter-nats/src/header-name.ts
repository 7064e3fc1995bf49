/** Names already checked: events carry the same few header names over and over. */
const validNames = new Set<string>();

/**
 * nats.js's rule for a header name (canonicalMIMEHeaderKey): printable ASCII 33–126 except `:`.
 * Used on the way out (what nats.js would refuse goes through nats.js) and on the way in (what
 * nats.js would throw on is left out).
 */
export function isValidHeaderName(name: string): boolean {
  if (validNames.has(name)) return true;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 33 || c > 126 || c === 58) return false;
  }
  if (validNames.size < 1_024) validNames.add(name);
  return true;
}
