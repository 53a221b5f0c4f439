/** Summaries of canonical audit events (the JSON text of a Merkle leaf) for tables. */

/** What a table shows of one event; unknown shapes degrade to compact JSON. */
export interface EventSummary {
  time: string;
  action: string;
  actor: string;
  resource: string;
  outcome: string;
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(text).join(',');
  if (typeof value === 'object') {
    return Object.values(value as Record<string, unknown>)
      .map(text)
      .filter((v) => v !== '')
      .join(' ');
  }
  return '';
}

/** Parses a leaf; `null` when it is not a JSON object. */
export function summarizeEvent(leaf: string): EventSummary | null {
  let json: unknown;
  try {
    json = JSON.parse(leaf);
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const o = json as Record<string, unknown>;
  return {
    time: text(o.time),
    action: text(o.action),
    actor: text(o.actor),
    resource: text(o.resource),
    outcome: text(o.outcome),
  };
}

/** Whether an event matches a free-text filter (case-insensitive, over its whole text). */
export function matchesFilter(leaf: string, filter: string): boolean {
  const f = filter.trim().toLowerCase();
  return f === '' || leaf.toLowerCase().includes(f);
}
