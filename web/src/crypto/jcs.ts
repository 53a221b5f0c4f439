/**
 * RFC 8785 (JCS) for the values pqbank signs: one flat object whose members are all strings
 * (`crates/domain/src/jcs.rs`). Members are sorted by UTF-16 code units, which is JavaScript's
 * own string order, and strings are escaped exactly as `JSON.stringify` does.
 */

/** JCS text of a flat string-valued object. */
export function canonicalStringObject(members: Readonly<Record<string, string>>): string {
  const entries = Object.entries(members);
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw new TypeError(`member ${key} is not a string`);
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
}
