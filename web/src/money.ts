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

/** Largest transfer amount in minor units (`TransferAmount::MAX_MINOR`, 10^15). */
export const MAX_TRANSFER_MINOR = 1_000_000_000_000_000n;

/**
 * Parses a decimal amount as the server spells it (`"-12.50"`, `"0.005"`, `"100"`) into minor
 * units. At most the currency's exponent of fraction digits; no exponent notation, no spaces.
 */
export function decimalToMinor(amount: string, currency: string): bigint {
  const exponent = currencyExponent(currency);
  const match = /^(-?)(\d{1,20})(?:\.(\d+))?$/.exec(amount);
  if (!match) throw new RangeError(`not a decimal amount: ${JSON.stringify(amount)}`);
  const [, sign = '', int = '0', frac = ''] = match;
  if (frac.length > exponent) {
    throw new RangeError(`${currency} allows at most ${exponent} decimal places`);
  }
  const units = BigInt(int + frac.padEnd(exponent, '0'));
  return sign === '-' ? -units : units;
}

/** Money as the API sends it: a decimal string and an ISO 4217 code. */
export interface MoneyValue {
  amount: string;
  currency: string;
}

/** Formats an API money value (`{"amount":"1234.50","currency":"EUR"}` -> `€1,234.50`). */
export function formatMoneyValue(money: MoneyValue, options: FormatMoneyOptions = {}): string {
  return formatMoney(decimalToMinor(money.amount, money.currency), money.currency, options);
}

/** Result of {@link parseAmountInput}. */
export type AmountInput = { ok: true; minor: bigint } | { ok: false; error: string };

/**
 * Validates an amount typed by a person for a transfer in `currency`: positive, at most the
 * currency's decimal places, at most {@link MAX_TRANSFER_MINOR}. Spaces and commas between digit
 * groups are ignored (`1,234.50`, `1 234.50`); the decimal separator is a point.
 */
export function parseAmountInput(text: string, currency: string): AmountInput {
  const exponent = currencyExponent(currency);
  const compact = text.trim().replace(/(?<=\d)[,\s\u00a0\u202f](?=\d{3}(?:\D|$))/g, '');
  if (compact === '') return { ok: false, error: 'Enter an amount.' };
  if (compact.startsWith('-')) return { ok: false, error: 'The amount must be positive.' };
  const match = /^(\d{1,16})?(?:\.(\d*))?$/.exec(compact);
  if (!match || (match[1] === undefined && !match[2])) {
    return { ok: false, error: 'Enter the amount as a number, e.g. 25.00.' };
  }
  const int = match[1] ?? '0';
  const frac = match[2] ?? '';
  if (frac.length > exponent) {
    return {
      ok: false,
      error:
        exponent === 0
          ? `${currency} amounts have no decimal places.`
          : `${currency} amounts have at most ${exponent} decimal places.`,
    };
  }
  const minor = BigInt(int + frac.padEnd(exponent, '0'));
  if (minor <= 0n) return { ok: false, error: 'The amount must be more than zero.' };
  if (minor > MAX_TRANSFER_MINOR) return { ok: false, error: 'The amount is too large.' };
  return { ok: true, minor };
}
