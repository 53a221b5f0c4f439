// @vitest-environment node
import { describe, expect, it } from 'vitest';
import {
  currencyExponent,
  decimalToMinor,
  formatMoney,
  formatMoneyValue,
  MAX_TRANSFER_MINOR,
  minorToDecimalString,
  parseAmountInput,
  toMinorUnits,
} from './money';

const US = { locale: 'en-US' } as const;

describe('formatMoney', () => {
  it('formats EUR with two decimals', () => {
    expect(formatMoney(123456n, 'EUR', US)).toBe('€1,234.56');
    expect(formatMoney('5', 'EUR', US)).toBe('€0.05');
    expect(formatMoney(0, 'EUR', US)).toBe('€0.00');
  });

  it('formats in the requested locale', () => {
    expect(formatMoney(123456n, 'EUR', { locale: 'de-DE' })).toBe('1.234,56\u00a0€');
  });

  it('formats JPY without decimals', () => {
    expect(formatMoney(12345n, 'JPY', US)).toBe('¥12,345');
    expect(formatMoney('7', 'JPY', US)).toBe('¥7');
  });

  it('formats BHD with three decimals', () => {
    expect(formatMoney(1234567n, 'BHD', US)).toBe('BHD\u00a01,234.567');
    expect(formatMoney(5n, 'BHD', { ...US, currencyDisplay: 'code' })).toBe('BHD\u00a00.005');
  });

  it('formats negative amounts', () => {
    expect(formatMoney(-12345n, 'EUR', US)).toBe('-€123.45');
    expect(formatMoney('-1', 'EUR', US)).toBe('-€0.01');
    expect(formatMoney(-1500, 'JPY', US)).toBe('-¥1,500');
    expect(formatMoney(-1n, 'BHD', { ...US, currencyDisplay: 'code' })).toBe('-BHD\u00a00.001');
  });

  it('shows signs for movements on request', () => {
    expect(formatMoney(2500n, 'USD', { ...US, signDisplay: 'exceptZero' })).toBe('+$25.00');
  });

  it('keeps every digit beyond 2^53', () => {
    const max = 2n ** 63n - 1n; // 9223372036854775807
    expect(formatMoney(max, 'EUR', US)).toBe('€92,233,720,368,547,758.07');
    expect(formatMoney('-9007199254740993', 'EUR', US)).toBe('-€90,071,992,547,409.93');
    expect(formatMoney('123456789012345678901234567890', 'JPY', US)).toBe(
      '¥123,456,789,012,345,678,901,234,567,890',
    );
  });

  it('rejects unknown currencies and non-integer amounts', () => {
    expect(() => formatMoney(1n, 'XYZ', US)).toThrow(RangeError);
    expect(() => formatMoney(1n, 'eur', US)).toThrow(RangeError);
    expect(() => formatMoney('1.5', 'EUR', US)).toThrow(RangeError);
    expect(() => formatMoney(1.5, 'EUR', US)).toThrow(RangeError);
    expect(() => formatMoney(2 ** 53, 'EUR', US)).toThrow(RangeError);
    expect(() => formatMoney('', 'EUR', US)).toThrow(RangeError);
    expect(() => formatMoney('1e3', 'EUR', US)).toThrow(RangeError);
    expect(() => formatMoney('9'.repeat(40), 'EUR', US)).toThrow(RangeError);
  });
});

describe('minor unit helpers', () => {
  it('knows the ISO 4217 exponents', () => {
    expect(currencyExponent('EUR')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('BHD')).toBe(3);
    expect(currencyExponent('CLF')).toBe(4);
  });

  it('converts minor units to exact decimal strings', () => {
    expect(minorToDecimalString(12345n, 'EUR')).toBe('123.45');
    expect(minorToDecimalString(-5n, 'EUR')).toBe('-0.05');
    expect(minorToDecimalString(5n, 'BHD')).toBe('0.005');
    expect(minorToDecimalString(0n, 'BHD')).toBe('0.000');
    expect(minorToDecimalString(-42n, 'JPY')).toBe('-42');
    expect(minorToDecimalString('18446744073709551617', 'USD')).toBe('184467440737095516.17');
  });

  it('parses minor units strictly', () => {
    expect(toMinorUnits(' 42 ')).toBe(42n);
    expect(toMinorUnits('+7')).toBe(7n);
    expect(toMinorUnits(-3)).toBe(-3n);
    expect(() => toMinorUnits('0x10')).toThrow(RangeError);
    expect(() => toMinorUnits(Number.NaN)).toThrow(RangeError);
  });
});

describe('API money values', () => {
  it('parses decimal strings by currency exponent', () => {
    expect(decimalToMinor('1234.50', 'EUR')).toBe(123450n);
    expect(decimalToMinor('-0.05', 'EUR')).toBe(-5n);
    expect(decimalToMinor('5000', 'JPY')).toBe(5000n);
    expect(decimalToMinor('0.001', 'BHD')).toBe(1n);
    expect(() => decimalToMinor('1.234', 'EUR')).toThrow(RangeError);
    expect(() => decimalToMinor('1e3', 'EUR')).toThrow(RangeError);
  });

  it('formats API money with the currency’s exponent', () => {
    expect(formatMoneyValue({ amount: '1234.5', currency: 'EUR' }, { locale: 'en-US' })).toBe(
      '€1,234.50',
    );
    expect(formatMoneyValue({ amount: '5000', currency: 'JPY' }, { locale: 'en-US' })).toBe(
      '¥5,000',
    );
    expect(
      formatMoneyValue(
        { amount: '1.005', currency: 'KWD' },
        { locale: 'en-US', currencyDisplay: 'code' },
      ),
    ).toMatch(/KWD\s1\.005/);
    expect(formatMoneyValue({ amount: '-12.50', currency: 'EUR' }, { locale: 'de-DE' })).toBe(
      '-12,50\u00a0€',
    );
    expect(
      formatMoneyValue(
        { amount: '10000000000000.01', currency: 'USD' },
        { locale: 'en-US', signDisplay: 'exceptZero' },
      ),
    ).toBe('+$10,000,000,000,000.01');
  });

  it('validates typed amounts', () => {
    expect(parseAmountInput('12', 'EUR')).toEqual({ ok: true, minor: 1200n });
    expect(parseAmountInput('.5', 'EUR')).toEqual({ ok: true, minor: 50n });
    expect(parseAmountInput('1 234.56', 'EUR')).toEqual({ ok: true, minor: 123456n });
    expect(parseAmountInput('10,000.00', 'USD')).toEqual({ ok: true, minor: 1000000n });
    expect(parseAmountInput('1.5', 'JPY')).toEqual({
      ok: false,
      error: 'JPY amounts have no decimal places.',
    });
    expect(parseAmountInput('0', 'EUR').ok).toBe(false);
    expect(parseAmountInput('1.2.3', 'EUR').ok).toBe(false);
    expect(parseAmountInput('10000000000000.01', 'EUR').ok).toBe(false);
    expect(parseAmountInput('10000000000000.00', 'EUR')).toEqual({
      ok: true,
      minor: MAX_TRANSFER_MINOR,
    });
  });
});
