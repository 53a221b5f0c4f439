/** Security events grouped for the alerts chart. */
import type { SecurityEvent } from '../api/staff';

export const SEVERITIES = ['info', 'warning', 'critical'] as const;

/** One bar: a period and the number of events per severity. */
export type AlertBucket = { period: string } & Record<string, number | string>;

/**
 * Counts events per hour (`YYYY-MM-DD HH:00`, UTC) when they span at most two days, per day
 * otherwise; periods in time order, one count per severity present.
 */
export function bucketEvents(events: readonly SecurityEvent[]): {
  buckets: AlertBucket[];
  severities: string[];
} {
  const times = events.map((e) => Date.parse(e.time)).filter((t) => Number.isFinite(t));
  const span = times.length ? Math.max(...times) - Math.min(...times) : 0;
  const hourly = span <= 2 * 86_400_000;
  const map = new Map<string, AlertBucket>();
  const severities = new Set<string>();
  for (const e of events) {
    const t = Date.parse(e.time);
    if (!Number.isFinite(t)) continue;
    const iso = new Date(t).toISOString();
    const period = hourly ? `${iso.slice(0, 10)} ${iso.slice(11, 13)}:00` : iso.slice(0, 10);
    const bucket = map.get(period) ?? { period };
    bucket[e.severity] = (Number(bucket[e.severity] ?? 0) || 0) + 1;
    severities.add(e.severity);
    map.set(period, bucket);
  }
  const order = (s: string) => {
    const i = (SEVERITIES as readonly string[]).indexOf(s);
    return i < 0 ? SEVERITIES.length : i;
  };
  return {
    buckets: [...map.values()].sort((a, b) => a.period.localeCompare(b.period)),
    severities: [...severities].sort((a, b) => order(a) - order(b) || a.localeCompare(b)),
  };
}
