/** The monitoring settings form: its number fields, their ranges, and validation. */
import type { MonitoringSettings } from '../../api/staff';
import { minorToDecimalString, parseAmountInput } from '../../money';

/** The whole-number fields of the monitoring settings. */
export type CountKey = Exclude<keyof MonitoringSettings, 'velocity_max_amount'>;

/** One number field: label, allowed range (the server's), and a hint. */
export interface CountField {
  key: CountKey;
  label: string;
  min: number;
  max: number;
  hint: string;
  /** Shown as a duration next to the value. */
  seconds?: boolean;
}

/** In form order, grouped by rule. */
export const FAILED_LOGIN_FIELDS: readonly CountField[] = [
  {
    key: 'failed_logins_per_address',
    label: 'Failed sign-ins per address',
    min: 1,
    max: 1000,
    hint: 'From one client address within the window; then the address is blocked.',
  },
  {
    key: 'failed_login_window_seconds',
    label: 'Window and block duration (seconds)',
    min: 10,
    max: 86_400,
    hint: 'Also how long an address stays blocked.',
    seconds: true,
  },
];

export const VELOCITY_FIELDS: readonly CountField[] = [
  {
    key: 'velocity_max_count',
    label: 'Transfers per customer per window',
    min: 1,
    max: 10_000,
    hint: 'More transfers than this in the window raise an alert.',
  },
  {
    key: 'velocity_window_seconds',
    label: 'Velocity window (seconds)',
    min: 60,
    max: 604_800,
    hint: 'Applies to the count and to the amounts below.',
    seconds: true,
  },
];

export const UNUSUAL_FIELDS: readonly CountField[] = [
  {
    key: 'unusual_amount_factor',
    label: 'Unusual amount factor',
    min: 2,
    max: 1000,
    hint: 'Alert when a transfer is more than this many times the customer’s average.',
  },
  {
    key: 'unusual_min_history',
    label: 'Earlier transfers needed',
    min: 1,
    max: 1000,
    hint: 'Posted transfers a customer needs before the rule applies.',
  },
];

export const COUNT_FIELDS: readonly CountField[] = [
  ...FAILED_LOGIN_FIELDS,
  ...VELOCITY_FIELDS,
  ...UNUSUAL_FIELDS,
];

/**
 * A duration in words: `3600` → `1 h`, `90` → `1 min 30 s`; with `'long'`, `3600` → `1 hour`,
 * `90` → `1 minute 30 seconds`.
 */
export function durationText(seconds: number, style: 'short' | 'long' = 'short'): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  const parts: string[] = [];
  const unit = (n: number, short: string, long: string) =>
    style === 'short' ? `${String(n)} ${short}` : `${String(n)} ${long}${n === 1 ? '' : 's'}`;
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  if (d) parts.push(unit(d, 'd', 'day'));
  if (h) parts.push(unit(h, 'h', 'hour'));
  if (m) parts.push(unit(m, 'min', 'minute'));
  if (s || parts.length === 0) parts.push(unit(s, 's', 'second'));
  return parts.join(' ');
}

/** What the form holds: every value as typed. */
export interface MonitoringDraft {
  counts: Record<CountKey, string>;
  /** Currency → amount as typed, in display order. */
  amounts: { currency: string; text: string }[];
}

export function draftOf(s: MonitoringSettings): MonitoringDraft {
  const counts = Object.fromEntries(COUNT_FIELDS.map((f) => [f.key, String(s[f.key])])) as Record<
    CountKey,
    string
  >;
  return {
    counts,
    amounts: s.velocity_max_amount.map((m) => ({ currency: m.currency, text: m.amount })),
  };
}

/** Validation result: the settings to send, or an error per field (keyed by field or currency). */
export type DraftResult =
  { ok: true; settings: MonitoringSettings } | { ok: false; errors: Record<string, string> };

/** Checks every field against the server's ranges; amounts use the money parser. */
export function validateDraft(draft: MonitoringDraft): DraftResult {
  const errors: Record<string, string> = {};
  const values: Partial<Record<CountKey, number>> = {};
  for (const f of COUNT_FIELDS) {
    const text = draft.counts[f.key].trim();
    const range = `${f.min.toLocaleString('en')} to ${f.max.toLocaleString('en')}`;
    if (!/^\d{1,9}$/.test(text)) {
      errors[f.key] = `Enter a whole number from ${range}.`;
      continue;
    }
    const n = Number(text);
    if (n < f.min || n > f.max) {
      errors[f.key] = `Must be from ${range}.`;
      continue;
    }
    values[f.key] = n;
  }
  const amounts = [];
  const seen = new Set<string>();
  for (const { currency, text } of draft.amounts) {
    if (seen.has(currency)) {
      errors[`amount-${currency}`] = `${currency} is listed twice.`;
      continue;
    }
    seen.add(currency);
    const parsed = parseAmountInput(text, currency);
    if (!parsed.ok) {
      errors[`amount-${currency}`] = parsed.error;
      continue;
    }
    amounts.push({ currency, amount: minorToDecimalString(parsed.minor, currency) });
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    settings: { ...(values as Record<CountKey, number>), velocity_max_amount: amounts },
  };
}
