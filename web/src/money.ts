/**
 * Money display. Amounts are integer minor units (cents, fils, yen) exactly as the server
 * sends them; they are kept as `bigint` and never go through floating-point arithmetic.
 * Formatting hands Intl.NumberFormat an exact decimal *string*, so values beyond 2^53 keep
 * every digit.
 */

/** ISO 4217 minor-unit exponents of the currencies pqbank is expected to see. */
export const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = Object.freeze({
  AED: 2,
  AUD: 2,
  BHD: 3,
  BRL: 2,
  CAD: 2,
  CHF: 2,
  CLF: 4,
  CLP: 0,
  CNY: 2,
  CZK: 2,
  DKK: 2,
  EUR: 2,
  GBP: 2,
  HKD: 2,
  HUF: 2,
  IDR: 2,
  ILS: 2,
  INR: 2,
  IQD: 3,
  ISK: 0,
  JOD: 3,
  JPY: 0,
  KRW: 0,
  KWD: 3,
  LYD: 3,
  MXN: 2,
  NOK: 2,
  NZD: 2,
  OMR: 3,
  PLN: 2,
  PYG: 0,
  QAR: 2,
  RON: 2,
  SAR: 2,
  SEK: 2,
  SGD: 2,
  THB: 2,
  TND: 3,
  TRY: 2,
  TWD: 2,
  UAH: 2,
  UGX: 0,
  USD: 2,
  VND: 0,
  XAF: 0,
  XOF: 0,
  ZAR: 2,
});

/** An amount in minor units: a bigint, a decimal integer string, or a safe integer number. */
export type MinorUnits = bigint | string | number;

/** Longest accepted digit string (covers the full i128 range used by the server). */
const MAX_DIGITS = 39;
const INTEGER_RE = /^[+-]?\d+$/;
const CURRENCY_RE = /^[A-Z]{3}$/;

/** Parses minor units into a bigint, rejecting fractions, floats beyond 2^53 and junk. */
export function toMinorUnits(value: MinorUnits): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`minor units must be a safe integer, got ${String(value)}`);
    }
    return BigInt(value);
  }
  const trimmed = value.trim();
  if (!INTEGER_RE.test(trimmed) || trimmed.replace(/^[+-]/, '').length > MAX_DIGITS) {
    throw new RangeError(`minor units must be an integer string, got ${JSON.stringify(value)}`);
  }
  return BigInt(trimmed);
}

/** The minor-unit exponent of an ISO 4217 code from {@link CURRENCY_EXPONENTS}. */
export function currencyExponent(currency: string): number {
  const exponent = CURRENCY_RE.test(currency) ? CURRENCY_EXPONENTS[currency] : undefined;
  if (exponent === undefined) {
    throw new RangeError(`unsupported currency ${JSON.stringify(currency)}`);
  }
  return exponent;
}

/** Exact decimal representation, e.g. `(-12345n, 'EUR')` -> `"-123.45"`, `(5n, 'BHD')` -> `"0.005"`. */
export function minorToDecimalString(minor: MinorUnits, currency: string): string {
  const exponent = currencyExponent(currency);
  const units = toMinorUnits(minor);
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString();
  const sign = negative ? '-' : '';
  if (exponent === 0) return sign + digits;
  const padded = digits.padStart(exponent + 1, '0');
  const cut = padded.length - exponent;
  return `${sign}${padded.slice(0, cut)}.${padded.slice(cut)}`;
}

/** Display options for {@link formatMoney}. */
export interface FormatMoneyOptions {
  /** BCP 47 locale; defaults to the browser's. */
  locale?: string;
  /** How to show the currency: symbol (default), narrowSymbol, code or name. */
  currencyDisplay?: 'symbol' | 'narrowSymbol' | 'code' | 'name';
  /** Sign display, e.g. `exceptZero` for signed movements. */
  signDisplay?: 'auto' | 'always' | 'exceptZero' | 'negative' | 'never';
}

const formatters = new Map<string, Intl.NumberFormat>();

function formatterFor(currency: string, exponent: number, options: FormatMoneyOptions) {
  const { locale, currencyDisplay = 'symbol', signDisplay = 'auto' } = options;
  const key = [locale ?? '', currency, currencyDisplay, signDisplay].join('|');
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      currencyDisplay,
      signDisplay,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    });
    formatters.set(key, formatter);
  }
  return formatter;
}

/**
 * Formats integer minor units as money in the currency's exponent,
 * e.g. `formatMoney(123456n, 'EUR', { locale: 'en-US' })` -> `"€1,234.56"`.
 */
export function formatMoney(
  minor: MinorUnits,
  currency: string,
  options: FormatMoneyOptions = {},
): string {
  const decimal = minorToDecimalString(minor, currency);
  const formatter = formatterFor(currency, currencyExponent(currency), options);
  // Intl formats decimal strings exactly (no conversion to a float).
  return formatter.format(decimal as Intl.StringNumericLiteral);
}
