/** Formats a round-trip time in milliseconds: one decimal below 10 ms, whole above. */
export function formatLatency(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'medium',
});

/** Shows a health detail: RFC 3339 timestamps (`*_at` members) in local time, the rest as is. */
export function formatDetail(key: string, value: string): string {
  if (!key.endsWith('_at')) return value;
  const time = Date.parse(value);
  return Number.isNaN(time) ? value : dateTimeFormat.format(time);
}

/** Splits a URL path after each slash so that long paths wrap between segments. */
export function pathSegments(path: string): string[] {
  return path.split(/(?<=\/)/);
}
