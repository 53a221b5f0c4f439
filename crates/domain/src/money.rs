//! Money in integer minor units. Never floats.
//!
//! * [`Money`]: a signed amount (`i64` minor units) in a [`Currency`]; used for balances and limits.
//! * [`TransferAmount`]: a strictly positive amount no larger than [`TransferAmount::MAX_MINOR`].
//!
//! Decimal strings (`"1234.50"`) are parsed exactly: optional `-` (only where allowed), one or more
//! digits without superfluous leading zeros, then optionally `.` and 1..=minor-unit digits. No `+`,
//! no exponent, no whitespace, no thousands separators, no `-0`. Formatting always writes exactly
//! the currency's number of decimals, so `parse(format(x)) == x`.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::currency::{Currency, CurrencyError};

/// Errors from money parsing and arithmetic.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MoneyError {
    /// The two operands have different currencies.
    #[error("currency mismatch: {left} vs {right}")]
    CurrencyMismatch {
        /// Currency of the left operand.
        left: Currency,
        /// Currency of the right operand.
        right: Currency,
    },
    /// The result does not fit in `i64` minor units.
    #[error("amount out of range")]
    Overflow,
    /// The decimal string is not of the accepted form.
    #[error("invalid amount: {0}")]
    Syntax(&'static str),
    /// More decimals than the currency's minor unit allows.
    #[error("{currency} allows at most {max} decimal places")]
    TooManyDecimals {
        /// The currency.
        currency: Currency,
        /// Its minor-unit exponent.
        max: u8,
    },
    /// A negative amount where only non-negative ones are allowed.
    #[error("amount must not be negative")]
    Negative,
    /// Zero or negative where a strictly positive amount is required.
    #[error("amount must be greater than zero")]
    NotPositive,
    /// Above the allowed maximum.
    #[error("amount exceeds the maximum of {max} minor units")]
    AboveMaximum {
        /// Maximum in minor units.
        max: i64,
    },
    /// Bad currency in a `"<amount> <CODE>"` string or a serialised amount.
    #[error(transparent)]
    Currency(#[from] CurrencyError),
}

/// Longest decimal string considered (sign + 19 digits + point + 4 decimals fits easily).
const MAX_DECIMAL_LEN: usize = 32;

/// Whether a parser accepts a leading minus sign.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sign {
    Allowed,
    Forbidden,
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Parses the canonical non-negative integer form: digits only, no leading zero unless `"0"`.
fn parse_canonical_u64(s: &str) -> Result<u64, MoneyError> {
    if !all_digits(s) {
        return Err(MoneyError::Syntax("expected decimal digits"));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(MoneyError::Syntax("leading zeros are not allowed"));
    }
    s.parse::<u64>().map_err(|_| MoneyError::Overflow)
}

fn parse_decimal(s: &str, currency: Currency, sign: Sign) -> Result<i64, MoneyError> {
    if s.is_empty() {
        return Err(MoneyError::Syntax("empty amount"));
    }
    if s.len() > MAX_DECIMAL_LEN {
        return Err(MoneyError::Syntax("amount string too long"));
    }
    let (negative, unsigned) = match s.strip_prefix('-') {
        Some(rest) if sign == Sign::Allowed => (true, rest),
        Some(_) => return Err(MoneyError::Negative),
        None => (false, s),
    };
    let (int_part, frac_part) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let int = parse_canonical_u64(int_part)?;
    let exponent = currency.minor_units();
    let scale = currency.minor_per_major().unsigned_abs();
    let frac = match frac_part {
        None => 0,
        Some(f) => {
            if !all_digits(f) {
                return Err(MoneyError::Syntax(
                    "expected digits after the decimal point",
                ));
            }
            if f.len() > usize::from(exponent) {
                return Err(MoneyError::TooManyDecimals {
                    currency,
                    max: exponent,
                });
            }
            // f has 1..=4 digits, so it fits; pad to the full exponent.
            let padding =
                u32::from(exponent) - u32::try_from(f.len()).map_err(|_| MoneyError::Overflow)?;
            f.parse::<u64>().map_err(|_| MoneyError::Overflow)? * 10u64.pow(padding)
        }
    };
    let magnitude = int
        .checked_mul(scale)
        .and_then(|v| v.checked_add(frac))
        .ok_or(MoneyError::Overflow)?;
    if negative {
        if magnitude == 0 {
            return Err(MoneyError::Syntax("negative zero is not allowed"));
        }
        0i64.checked_sub_unsigned(magnitude)
            .ok_or(MoneyError::Overflow)
    } else {
        i64::try_from(magnitude).map_err(|_| MoneyError::Overflow)
    }
}

fn format_decimal(minor: i64, currency: Currency) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let magnitude = minor.unsigned_abs();
    let scale = currency.minor_per_major().unsigned_abs();
    let exponent = usize::from(currency.minor_units());
    if exponent == 0 {
        format!("{sign}{magnitude}")
    } else {
        format!(
            "{sign}{}.{:0exponent$}",
            magnitude / scale,
            magnitude % scale
        )
    }
}

/// A signed amount of money in integer minor units of one currency.
///
/// Any `i64` is a valid amount. Arithmetic is checked: overflow and currency mismatch are errors.
/// There is deliberately no `PartialOrd` (amounts in different currencies do not compare); use
/// [`Money::checked_cmp`].
///
/// Serialises as `{"amount":"1234.50","currency":"EUR"}` (decimal string, exact).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    /// An amount from minor units (cents for EUR, yen for JPY).
    pub const fn from_minor(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// Zero in `currency`.
    pub const fn zero(currency: Currency) -> Money {
        Money { minor: 0, currency }
    }

    /// Parses a decimal string such as `"-1234.5"` (EUR) or `"1234"` (JPY). A minus sign is allowed.
    pub fn parse_decimal(s: &str, currency: Currency) -> Result<Money, MoneyError> {
        parse_decimal(s, currency, Sign::Allowed).map(|minor| Money { minor, currency })
    }

    /// Parses a decimal string that must not be negative.
    pub fn parse_decimal_non_negative(s: &str, currency: Currency) -> Result<Money, MoneyError> {
        parse_decimal(s, currency, Sign::Forbidden).map(|minor| Money { minor, currency })
    }

    /// Amount in minor units.
    pub const fn minor_units(self) -> i64 {
        self.minor
    }

    /// The currency.
    pub const fn currency(self) -> Currency {
        self.currency
    }

    /// Decimal string with exactly the currency's number of decimals, e.g. `"1234.50"`, `"-0.05"`,
    /// `"1234"` (JPY).
    pub fn to_decimal_string(self) -> String {
        format_decimal(self.minor, self.currency)
    }

    /// True when zero.
    pub const fn is_zero(self) -> bool {
        self.minor == 0
    }

    /// True when greater than zero.
    pub const fn is_positive(self) -> bool {
        self.minor > 0
    }

    /// True when less than zero.
    pub const fn is_negative(self) -> bool {
        self.minor < 0
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }

    /// `self + other`.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    /// `self - other`.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_sub(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    /// `-self`.
    pub fn checked_neg(self) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_neg().ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    /// `self * factor` (e.g. a count of items), checked.
    pub fn checked_mul(self, factor: i64) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_mul(factor).ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    /// Compares two amounts of the same currency.
    pub fn checked_cmp(self, other: Money) -> Result<Ordering, MoneyError> {
        self.same_currency(other)?;
        Ok(self.minor.cmp(&other.minor))
    }
}

/// `"1234.50 EUR"`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_decimal_string(), self.currency)
    }
}

/// Parses `"<decimal> <CODE>"` with exactly one space, e.g. `"-12.30 CHF"`.
impl FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (amount, code) = s
            .split_once(' ')
            .ok_or(MoneyError::Syntax("expected \"<amount> <currency>\""))?;
        Money::parse_decimal(amount, Currency::from_code(code)?)
    }
}

/// Serde wire form shared by [`Money`] and [`TransferAmount`].
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MoneyWire {
    amount: String,
    currency: Currency,
}

impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        MoneyWire {
            amount: self.to_decimal_string(),
            currency: self.currency,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = MoneyWire::deserialize(deserializer)?;
        Money::parse_decimal(&wire.amount, wire.currency).map_err(serde::de::Error::custom)
    }
}

/// The amount of a transfer: strictly positive and at most [`TransferAmount::MAX_MINOR`].
///
/// Serialises like [`Money`]. In signed payloads the amount appears as a string of minor units
/// (see [`TransferAmount::parse_minor_units`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TransferAmount(Money);

impl TransferAmount {
    /// Hard ceiling in minor units (10^15), independent of business limits. It keeps every amount
    /// (and the sum of two) exactly representable as a JavaScript number (< 2^53).
    pub const MAX_MINOR: i64 = 1_000_000_000_000_000;

    /// Checks `0 < money <= MAX_MINOR`.
    pub fn new(money: Money) -> Result<TransferAmount, MoneyError> {
        if money.minor <= 0 {
            Err(MoneyError::NotPositive)
        } else if money.minor > Self::MAX_MINOR {
            Err(MoneyError::AboveMaximum {
                max: Self::MAX_MINOR,
            })
        } else {
            Ok(TransferAmount(money))
        }
    }

    /// From minor units.
    pub fn from_minor(minor: i64, currency: Currency) -> Result<TransferAmount, MoneyError> {
        TransferAmount::new(Money::from_minor(minor, currency))
    }

    /// Parses a decimal string in major units, e.g. `"1234.50"`; no sign allowed.
    pub fn parse_decimal(s: &str, currency: Currency) -> Result<TransferAmount, MoneyError> {
        TransferAmount::new(Money::parse_decimal_non_negative(s, currency)?)
    }

    /// Parses the canonical minor-unit integer string used in signed payloads, e.g. `"123450"`:
    /// ASCII digits only, no sign, no leading zeros.
    pub fn parse_minor_units(s: &str, currency: Currency) -> Result<TransferAmount, MoneyError> {
        if s.len() > MAX_DECIMAL_LEN {
            return Err(MoneyError::Syntax("amount string too long"));
        }
        let minor = i64::try_from(parse_canonical_u64(s)?).map_err(|_| MoneyError::Overflow)?;
        TransferAmount::from_minor(minor, currency)
    }

    /// The amount as [`Money`].
    pub const fn money(self) -> Money {
        self.0
    }

    /// Minor units (always `1..=MAX_MINOR`).
    pub const fn minor_units(self) -> i64 {
        self.0.minor
    }

    /// The currency.
    pub const fn currency(self) -> Currency {
        self.0.currency
    }

    /// Minor units as a decimal integer string (the signed-payload form), e.g. `"123450"`.
    pub fn minor_units_string(self) -> String {
        self.0.minor.to_string()
    }

    /// Decimal string in major units, e.g. `"1234.50"`.
    pub fn to_decimal_string(self) -> String {
        self.0.to_decimal_string()
    }
}

impl fmt::Display for TransferAmount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<TransferAmount> for Money {
    fn from(amount: TransferAmount) -> Money {
        amount.0
    }
}

impl Serialize for TransferAmount {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for TransferAmount {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = MoneyWire::deserialize(deserializer)?;
        TransferAmount::parse_decimal(&wire.amount, wire.currency).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cur(code: &str) -> Currency {
        Currency::from_code(code).unwrap()
    }

    #[test]
    fn parses_decimals_exactly() {
        let eur = Currency::EUR;
        assert_eq!(
            Money::parse_decimal("1234.50", eur).unwrap().minor_units(),
            123_450
        );
        assert_eq!(
            Money::parse_decimal("1234.5", eur).unwrap().minor_units(),
            123_450
        );
        assert_eq!(
            Money::parse_decimal("1234", eur).unwrap().minor_units(),
            123_400
        );
        assert_eq!(Money::parse_decimal("0.01", eur).unwrap().minor_units(), 1);
        assert_eq!(Money::parse_decimal("0", eur).unwrap().minor_units(), 0);
        assert_eq!(
            Money::parse_decimal("-0.05", eur).unwrap().minor_units(),
            -5
        );
        assert_eq!(
            Money::parse_decimal("1234", Currency::JPY)
                .unwrap()
                .minor_units(),
            1234
        );
        assert_eq!(
            Money::parse_decimal("1.234", cur("BHD"))
                .unwrap()
                .minor_units(),
            1234
        );
        assert_eq!(
            Money::parse_decimal("1.2345", cur("CLF"))
                .unwrap()
                .minor_units(),
            12_345
        );
        assert_eq!(
            Money::parse_decimal("1.2", cur("CLF"))
                .unwrap()
                .minor_units(),
            12_000
        );
    }

    #[test]
    fn full_i64_range() {
        let jpy = Currency::JPY;
        let max = Money::from_minor(i64::MAX, jpy);
        let min = Money::from_minor(i64::MIN, jpy);
        assert_eq!(max.to_decimal_string(), "9223372036854775807");
        assert_eq!(min.to_decimal_string(), "-9223372036854775808");
        assert_eq!(Money::parse_decimal("9223372036854775807", jpy), Ok(max));
        assert_eq!(Money::parse_decimal("-9223372036854775808", jpy), Ok(min));
        assert_eq!(
            Money::parse_decimal("9223372036854775808", jpy),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            Money::parse_decimal("-9223372036854775809", jpy),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            Money::parse_decimal("92233720368547758.08", Currency::EUR),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            Money::from_minor(i64::MIN, Currency::EUR).to_decimal_string(),
            "-92233720368547758.08"
        );
        assert_eq!(
            Money::parse_decimal("99999999999999999999", jpy),
            Err(MoneyError::Overflow)
        );
    }

    #[test]
    fn rejects_bad_decimals() {
        let eur = Currency::EUR;
        for bad in [
            "", " 1", "1 ", "+1", "1e3", "1E3", "1.", ".5", "-", "-.5", "1.2.3", "1,00", "1_000",
            "01", "00.5", "-01", "0x10", "１", "1.-5", "--1", "NaN", "inf", "-0", "-0.00", "1.0\n",
        ] {
            assert!(Money::parse_decimal(bad, eur).is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            Money::parse_decimal("1.234", eur),
            Err(MoneyError::TooManyDecimals {
                currency: eur,
                max: 2
            })
        );
        assert_eq!(
            Money::parse_decimal("1.0", Currency::JPY),
            Err(MoneyError::TooManyDecimals {
                currency: Currency::JPY,
                max: 0
            })
        );
        assert_eq!(
            Money::parse_decimal_non_negative("-1", eur),
            Err(MoneyError::Negative)
        );
        assert!(Money::parse_decimal(&"1".repeat(40), eur).is_err());
    }

    #[test]
    fn formats() {
        assert_eq!(
            Money::from_minor(123_450, Currency::EUR).to_decimal_string(),
            "1234.50"
        );
        assert_eq!(
            Money::from_minor(-5, Currency::EUR).to_decimal_string(),
            "-0.05"
        );
        assert_eq!(
            Money::from_minor(0, Currency::EUR).to_decimal_string(),
            "0.00"
        );
        assert_eq!(
            Money::from_minor(1234, Currency::JPY).to_decimal_string(),
            "1234"
        );
        assert_eq!(
            Money::from_minor(1, cur("CLF")).to_decimal_string(),
            "0.0001"
        );
        assert_eq!(
            Money::from_minor(-1001, cur("KWD")).to_decimal_string(),
            "-1.001"
        );
        assert_eq!(
            Money::from_minor(123_450, Currency::EUR).to_string(),
            "1234.50 EUR"
        );
        assert_eq!(
            "1234.50 EUR".parse::<Money>().unwrap().minor_units(),
            123_450
        );
        assert!("1234.50  EUR".parse::<Money>().is_err());
        assert!("1234.50 eur".parse::<Money>().is_err());
        assert!("1234.50".parse::<Money>().is_err());
    }

    #[test]
    fn checked_arithmetic() {
        let a = Money::from_minor(100, Currency::EUR);
        let b = Money::from_minor(-250, Currency::EUR);
        let c = Money::from_minor(1, Currency::USD);
        assert_eq!(a.checked_add(b).unwrap().minor_units(), -150);
        assert_eq!(a.checked_sub(b).unwrap().minor_units(), 350);
        assert_eq!(b.checked_neg().unwrap().minor_units(), 250);
        assert_eq!(a.checked_mul(3).unwrap().minor_units(), 300);
        assert_eq!(a.checked_cmp(b), Ok(Ordering::Greater));
        let mismatch = MoneyError::CurrencyMismatch {
            left: Currency::EUR,
            right: Currency::USD,
        };
        assert_eq!(a.checked_add(c), Err(mismatch.clone()));
        assert_eq!(a.checked_sub(c), Err(mismatch.clone()));
        assert_eq!(a.checked_cmp(c), Err(mismatch));
        let max = Money::from_minor(i64::MAX, Currency::EUR);
        let min = Money::from_minor(i64::MIN, Currency::EUR);
        assert_eq!(max.checked_add(a), Err(MoneyError::Overflow));
        assert_eq!(min.checked_sub(a), Err(MoneyError::Overflow));
        assert_eq!(min.checked_neg(), Err(MoneyError::Overflow));
        assert_eq!(max.checked_mul(2), Err(MoneyError::Overflow));
        assert!(Money::zero(Currency::EUR).is_zero());
        assert!(a.is_positive() && b.is_negative());
    }

    #[test]
    fn transfer_amount_edges() {
        let eur = Currency::EUR;
        assert_eq!(
            TransferAmount::from_minor(0, eur),
            Err(MoneyError::NotPositive)
        );
        assert_eq!(
            TransferAmount::from_minor(-1, eur),
            Err(MoneyError::NotPositive)
        );
        assert_eq!(TransferAmount::from_minor(1, eur).unwrap().minor_units(), 1);
        let max = TransferAmount::MAX_MINOR;
        assert_eq!(
            TransferAmount::from_minor(max, eur).unwrap().minor_units(),
            max
        );
        assert_eq!(
            TransferAmount::from_minor(max + 1, eur),
            Err(MoneyError::AboveMaximum { max })
        );
        assert_eq!(
            TransferAmount::parse_decimal("0.00", eur),
            Err(MoneyError::NotPositive)
        );
        assert_eq!(
            TransferAmount::parse_decimal("-1", eur),
            Err(MoneyError::Negative)
        );
        assert_eq!(
            TransferAmount::parse_decimal("0.01", eur)
                .unwrap()
                .minor_units(),
            1
        );
        assert_eq!(
            TransferAmount::parse_decimal("10000000000000.00", eur)
                .unwrap()
                .minor_units(),
            max
        );
        assert!(TransferAmount::parse_decimal("10000000000000.01", eur).is_err());
    }

    #[test]
    fn minor_unit_strings() {
        let eur = Currency::EUR;
        assert_eq!(
            TransferAmount::parse_minor_units("123450", eur)
                .unwrap()
                .minor_units(),
            123_450
        );
        assert_eq!(
            TransferAmount::parse_minor_units("1", eur)
                .unwrap()
                .minor_units_string(),
            "1"
        );
        assert_eq!(
            TransferAmount::parse_minor_units("1000000000000000", eur)
                .unwrap()
                .minor_units(),
            TransferAmount::MAX_MINOR
        );
        for bad in [
            "",
            "0",
            "00",
            "01",
            "-1",
            "+1",
            "1.0",
            "1e3",
            " 1",
            "1 ",
            "1000000000000001",
            "99999999999999999999999",
        ] {
            assert!(
                TransferAmount::parse_minor_units(bad, eur).is_err(),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn serde_forms() {
        let m = Money::from_minor(-123_450, Currency::EUR);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"amount":"-1234.50","currency":"EUR"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1.001","currency":"EUR"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":1.5,"currency":"EUR"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1","currency":"EUR","x":1}"#).is_err());
        let t = TransferAmount::from_minor(5, Currency::JPY).unwrap();
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, r#"{"amount":"5","currency":"JPY"}"#);
        assert_eq!(serde_json::from_str::<TransferAmount>(&json).unwrap(), t);
        assert!(
            serde_json::from_str::<TransferAmount>(r#"{"amount":"0","currency":"JPY"}"#).is_err()
        );
    }

    fn any_currency() -> impl Strategy<Value = Currency> {
        (0..Currency::all().len()).prop_map(|i| Currency::all().nth(i).unwrap())
    }

    proptest! {
        #[test]
        fn decimal_round_trip(minor in any::<i64>(), currency in any_currency()) {
            let m = Money::from_minor(minor, currency);
            prop_assert_eq!(Money::parse_decimal(&m.to_decimal_string(), currency), Ok(m));
            prop_assert_eq!(m.to_string().parse::<Money>(), Ok(m));
            let json = serde_json::to_string(&m).unwrap();
            prop_assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
        }

        #[test]
        fn transfer_amount_round_trip(minor in 1..=TransferAmount::MAX_MINOR, currency in any_currency()) {
            let t = TransferAmount::from_minor(minor, currency).unwrap();
            prop_assert_eq!(TransferAmount::parse_minor_units(&t.minor_units_string(), currency), Ok(t));
            prop_assert_eq!(TransferAmount::parse_decimal(&t.to_decimal_string(), currency), Ok(t));
        }

        #[test]
        fn checked_arithmetic_matches_i128(a in any::<i64>(), b in any::<i64>(), same in any::<bool>()) {
            let x = Money::from_minor(a, Currency::EUR);
            let y = Money::from_minor(b, if same { Currency::EUR } else { Currency::USD });
            let expect = |wide: i128| -> Result<Money, MoneyError> {
                if !same {
                    return Err(MoneyError::CurrencyMismatch { left: Currency::EUR, right: Currency::USD });
                }
                i64::try_from(wide).map(|v| Money::from_minor(v, Currency::EUR)).map_err(|_| MoneyError::Overflow)
            };
            prop_assert_eq!(x.checked_add(y), expect(i128::from(a) + i128::from(b)));
            prop_assert_eq!(x.checked_sub(y), expect(i128::from(a) - i128::from(b)));
            let neg = i64::try_from(-i128::from(a)).map(|v| Money::from_minor(v, Currency::EUR)).map_err(|_| MoneyError::Overflow);
            prop_assert_eq!(x.checked_neg(), neg);
            let mul = i64::try_from(i128::from(a) * i128::from(b)).map(|v| Money::from_minor(v, Currency::EUR)).map_err(|_| MoneyError::Overflow);
            prop_assert_eq!(x.checked_mul(b), mul);
        }

        #[test]
        fn parsing_arbitrary_strings_never_panics(s in "\\PC{0,40}", currency in any_currency()) {
            let _ = Money::parse_decimal(&s, currency);
            let _ = TransferAmount::parse_minor_units(&s, currency);
            let _ = s.parse::<Money>();
        }

        #[test]
        fn parsing_numberlike_strings_is_exact(int in 0u64..1_000_000_000, frac in "[0-9]{0,5}", currency in any_currency()) {
            let s = if frac.is_empty() { int.to_string() } else { format!("{int}.{frac}") };
            match Money::parse_decimal(&s, currency) {
                Ok(m) => {
                    prop_assert!(frac.len() <= usize::from(currency.minor_units()));
                    // Same value: compare as scaled integers.
                    let padded = format!("{frac:0<width$}", width = usize::from(currency.minor_units()));
                    let expected = i128::from(int) * i128::from(currency.minor_per_major())
                        + if padded.is_empty() { 0 } else { padded.parse::<i128>().unwrap() };
                    prop_assert_eq!(i128::from(m.minor_units()), expected);
                }
                Err(e) => prop_assert_eq!(e, MoneyError::TooManyDecimals { currency, max: currency.minor_units() }),
            }
        }
    }
}
