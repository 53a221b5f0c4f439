//! ISO 4217 currencies.
//!
//! [`Currency`] can only be obtained from the static table below, so holding one proves the code is
//! an active ISO 4217 currency with a defined minor unit. The table is ISO 4217 List One as in force
//! in 2026 (after BGN→EUR, ANG→XCG, ZWL→ZWG, SLL→SLE, CUC and HRK withdrawn). Codes whose minor unit
//! is "N.A." in ISO 4217 (precious metals XAU/XAG/XPD/XPT, bond units XBA–XBD, XDR, XSU, XUA, XAD, and
//! the testing/no-currency codes XTS/XXX) are deliberately absent: an amount in them has no integer
//! minor unit, so the bank cannot hold it.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// Errors from parsing a currency code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CurrencyError {
    /// Not three upper-case ASCII letters.
    #[error("currency code must be three upper-case ASCII letters")]
    Malformed,
    /// Well formed but not an active ISO 4217 currency with a minor unit.
    #[error("unknown currency code {0}")]
    Unknown(String),
    /// No currency has this ISO 4217 numeric code.
    #[error("unknown ISO 4217 numeric code {0}")]
    UnknownNumeric(u16),
}

#[derive(Debug)]
struct CurrencyInfo {
    code: &'static str,
    numeric: u16,
    minor_units: u8,
    name: &'static str,
}

const fn ci(code: &'static str, numeric: u16, minor_units: u8, name: &'static str) -> CurrencyInfo {
    CurrencyInfo {
        code,
        numeric,
        minor_units,
        name,
    }
}

/// Number of currencies in the table.
const COUNT: usize = 164;

/// ISO 4217 List One, sorted by alphabetic code (a unit test checks order and uniqueness).
const ENTRIES: [CurrencyInfo; COUNT] = [
    ci("AED", 784, 2, "UAE Dirham"),
    ci("AFN", 971, 2, "Afghani"),
    ci("ALL", 8, 2, "Lek"),
    ci("AMD", 51, 2, "Armenian Dram"),
    ci("AOA", 973, 2, "Kwanza"),
    ci("ARS", 32, 2, "Argentine Peso"),
    ci("AUD", 36, 2, "Australian Dollar"),
    ci("AWG", 533, 2, "Aruban Florin"),
    ci("AZN", 944, 2, "Azerbaijan Manat"),
    ci("BAM", 977, 2, "Convertible Mark"),
    ci("BBD", 52, 2, "Barbados Dollar"),
    ci("BDT", 50, 2, "Taka"),
    ci("BHD", 48, 3, "Bahraini Dinar"),
    ci("BIF", 108, 0, "Burundi Franc"),
    ci("BMD", 60, 2, "Bermudian Dollar"),
    ci("BND", 96, 2, "Brunei Dollar"),
    ci("BOB", 68, 2, "Boliviano"),
    ci("BOV", 984, 2, "Mvdol"),
    ci("BRL", 986, 2, "Brazilian Real"),
    ci("BSD", 44, 2, "Bahamian Dollar"),
    ci("BTN", 64, 2, "Ngultrum"),
    ci("BWP", 72, 2, "Pula"),
    ci("BYN", 933, 2, "Belarusian Ruble"),
    ci("BZD", 84, 2, "Belize Dollar"),
    ci("CAD", 124, 2, "Canadian Dollar"),
    ci("CDF", 976, 2, "Congolese Franc"),
    ci("CHE", 947, 2, "WIR Euro"),
    ci("CHF", 756, 2, "Swiss Franc"),
    ci("CHW", 948, 2, "WIR Franc"),
    ci("CLF", 990, 4, "Unidad de Fomento"),
    ci("CLP", 152, 0, "Chilean Peso"),
    ci("CNY", 156, 2, "Yuan Renminbi"),
    ci("COP", 170, 2, "Colombian Peso"),
    ci("COU", 970, 2, "Unidad de Valor Real"),
    ci("CRC", 188, 2, "Costa Rican Colon"),
    ci("CUP", 192, 2, "Cuban Peso"),
    ci("CVE", 132, 2, "Cabo Verde Escudo"),
    ci("CZK", 203, 2, "Czech Koruna"),
    ci("DJF", 262, 0, "Djibouti Franc"),
    ci("DKK", 208, 2, "Danish Krone"),
    ci("DOP", 214, 2, "Dominican Peso"),
    ci("DZD", 12, 2, "Algerian Dinar"),
    ci("EGP", 818, 2, "Egyptian Pound"),
    ci("ERN", 232, 2, "Nakfa"),
    ci("ETB", 230, 2, "Ethiopian Birr"),
    ci("EUR", 978, 2, "Euro"),
    ci("FJD", 242, 2, "Fiji Dollar"),
    ci("FKP", 238, 2, "Falkland Islands Pound"),
    ci("GBP", 826, 2, "Pound Sterling"),
    ci("GEL", 981, 2, "Lari"),
    ci("GHS", 936, 2, "Ghana Cedi"),
    ci("GIP", 292, 2, "Gibraltar Pound"),
    ci("GMD", 270, 2, "Dalasi"),
    ci("GNF", 324, 0, "Guinean Franc"),
    ci("GTQ", 320, 2, "Quetzal"),
    ci("GYD", 328, 2, "Guyana Dollar"),
    ci("HKD", 344, 2, "Hong Kong Dollar"),
    ci("HNL", 340, 2, "Lempira"),
    ci("HTG", 332, 2, "Gourde"),
    ci("HUF", 348, 2, "Forint"),
    ci("IDR", 360, 2, "Rupiah"),
    ci("ILS", 376, 2, "New Israeli Sheqel"),
    ci("INR", 356, 2, "Indian Rupee"),
    ci("IQD", 368, 3, "Iraqi Dinar"),
    ci("IRR", 364, 2, "Iranian Rial"),
    ci("ISK", 352, 0, "Iceland Krona"),
    ci("JMD", 388, 2, "Jamaican Dollar"),
    ci("JOD", 400, 3, "Jordanian Dinar"),
    ci("JPY", 392, 0, "Yen"),
    ci("KES", 404, 2, "Kenyan Shilling"),
    ci("KGS", 417, 2, "Som"),
    ci("KHR", 116, 2, "Riel"),
    ci("KMF", 174, 0, "Comorian Franc"),
    ci("KPW", 408, 2, "North Korean Won"),
    ci("KRW", 410, 0, "Won"),
    ci("KWD", 414, 3, "Kuwaiti Dinar"),
    ci("KYD", 136, 2, "Cayman Islands Dollar"),
    ci("KZT", 398, 2, "Tenge"),
    ci("LAK", 418, 2, "Lao Kip"),
    ci("LBP", 422, 2, "Lebanese Pound"),
    ci("LKR", 144, 2, "Sri Lanka Rupee"),
    ci("LRD", 430, 2, "Liberian Dollar"),
    ci("LSL", 426, 2, "Loti"),
    ci("LYD", 434, 3, "Libyan Dinar"),
    ci("MAD", 504, 2, "Moroccan Dirham"),
    ci("MDL", 498, 2, "Moldovan Leu"),
    ci("MGA", 969, 2, "Malagasy Ariary"),
    ci("MKD", 807, 2, "Denar"),
    ci("MMK", 104, 2, "Kyat"),
    ci("MNT", 496, 2, "Tugrik"),
    ci("MOP", 446, 2, "Pataca"),
    ci("MRU", 929, 2, "Ouguiya"),
    ci("MUR", 480, 2, "Mauritius Rupee"),
    ci("MVR", 462, 2, "Rufiyaa"),
    ci("MWK", 454, 2, "Malawi Kwacha"),
    ci("MXN", 484, 2, "Mexican Peso"),
    ci("MXV", 979, 2, "Mexican Unidad de Inversion (UDI)"),
    ci("MYR", 458, 2, "Malaysian Ringgit"),
    ci("MZN", 943, 2, "Mozambique Metical"),
    ci("NAD", 516, 2, "Namibia Dollar"),
    ci("NGN", 566, 2, "Naira"),
    ci("NIO", 558, 2, "Cordoba Oro"),
    ci("NOK", 578, 2, "Norwegian Krone"),
    ci("NPR", 524, 2, "Nepalese Rupee"),
    ci("NZD", 554, 2, "New Zealand Dollar"),
    ci("OMR", 512, 3, "Rial Omani"),
    ci("PAB", 590, 2, "Balboa"),
    ci("PEN", 604, 2, "Sol"),
    ci("PGK", 598, 2, "Kina"),
    ci("PHP", 608, 2, "Philippine Peso"),
    ci("PKR", 586, 2, "Pakistan Rupee"),
    ci("PLN", 985, 2, "Zloty"),
    ci("PYG", 600, 0, "Guarani"),
    ci("QAR", 634, 2, "Qatari Rial"),
    ci("RON", 946, 2, "Romanian Leu"),
    ci("RSD", 941, 2, "Serbian Dinar"),
    ci("RUB", 643, 2, "Russian Ruble"),
    ci("RWF", 646, 0, "Rwanda Franc"),
    ci("SAR", 682, 2, "Saudi Riyal"),
    ci("SBD", 90, 2, "Solomon Islands Dollar"),
    ci("SCR", 690, 2, "Seychelles Rupee"),
    ci("SDG", 938, 2, "Sudanese Pound"),
    ci("SEK", 752, 2, "Swedish Krona"),
    ci("SGD", 702, 2, "Singapore Dollar"),
    ci("SHP", 654, 2, "Saint Helena Pound"),
    ci("SLE", 925, 2, "Leone"),
    ci("SOS", 706, 2, "Somali Shilling"),
    ci("SRD", 968, 2, "Surinam Dollar"),
    ci("SSP", 728, 2, "South Sudanese Pound"),
    ci("STN", 930, 2, "Dobra"),
    ci("SVC", 222, 2, "El Salvador Colon"),
    ci("SYP", 760, 2, "Syrian Pound"),
    ci("SZL", 748, 2, "Lilangeni"),
    ci("THB", 764, 2, "Baht"),
    ci("TJS", 972, 2, "Somoni"),
    ci("TMT", 934, 2, "Turkmenistan New Manat"),
    ci("TND", 788, 3, "Tunisian Dinar"),
    ci("TOP", 776, 2, "Pa'anga"),
    ci("TRY", 949, 2, "Turkish Lira"),
    ci("TTD", 780, 2, "Trinidad and Tobago Dollar"),
    ci("TWD", 901, 2, "New Taiwan Dollar"),
    ci("TZS", 834, 2, "Tanzanian Shilling"),
    ci("UAH", 980, 2, "Hryvnia"),
    ci("UGX", 800, 0, "Uganda Shilling"),
    ci("USD", 840, 2, "US Dollar"),
    ci("USN", 997, 2, "US Dollar (Next day)"),
    ci("UYI", 940, 0, "Uruguay Peso en Unidades Indexadas (UI)"),
    ci("UYU", 858, 2, "Peso Uruguayo"),
    ci("UYW", 927, 4, "Unidad Previsional"),
    ci("UZS", 860, 2, "Uzbekistan Sum"),
    ci("VED", 926, 2, "Bolivar Soberano (VED)"),
    ci("VES", 928, 2, "Bolivar Soberano"),
    ci("VND", 704, 0, "Dong"),
    ci("VUV", 548, 0, "Vatu"),
    ci("WST", 882, 2, "Tala"),
    ci("XAF", 950, 0, "CFA Franc BEAC"),
    ci("XCD", 951, 2, "East Caribbean Dollar"),
    ci("XCG", 532, 2, "Caribbean Guilder"),
    ci("XOF", 952, 0, "CFA Franc BCEAO"),
    ci("XPF", 953, 0, "CFP Franc"),
    ci("YER", 886, 2, "Yemeni Rial"),
    ci("ZAR", 710, 2, "Rand"),
    ci("ZMW", 967, 2, "Zambian Kwacha"),
    ci("ZWG", 924, 2, "Zimbabwe Gold"),
];

static CURRENCIES: [CurrencyInfo; COUNT] = ENTRIES;

// `Currency` stores a `u8` index.
const _: () = assert!(COUNT <= u8::MAX as usize);

const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// An active ISO 4217 currency with an integer minor unit.
///
/// `Ord` is alphabetical by code. Serialises as its alphabetic code (e.g. `"EUR"`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency(u8);

impl Currency {
    /// Euro.
    pub const EUR: Currency = Currency::known("EUR");
    /// US dollar.
    pub const USD: Currency = Currency::known("USD");
    /// Pound sterling.
    pub const GBP: Currency = Currency::known("GBP");
    /// Swiss franc.
    pub const CHF: Currency = Currency::known("CHF");
    /// Japanese yen (no minor unit).
    pub const JPY: Currency = Currency::known("JPY");

    /// Compile-time lookup used by the constants above.
    #[allow(clippy::panic)] // Only evaluated in const items: a typo is a compile error, never a runtime panic.
    const fn known(code: &str) -> Currency {
        let mut i = 0;
        while i < COUNT {
            if bytes_eq(ENTRIES[i].code.as_bytes(), code.as_bytes()) {
                return Currency(i as u8);
            }
            i += 1;
        }
        panic!("currency constant not in ISO 4217 table")
    }

    fn info(self) -> &'static CurrencyInfo {
        // The index is only ever created from a position in the table.
        &CURRENCIES[usize::from(self.0)]
    }

    /// Looks up an alphabetic code. Only the canonical upper-case spelling is accepted.
    pub fn from_code(code: &str) -> Result<Currency, CurrencyError> {
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(CurrencyError::Malformed);
        }
        CURRENCIES
            .binary_search_by(|c| c.code.cmp(code))
            .ok()
            .and_then(|i| u8::try_from(i).ok())
            .map(Currency)
            .ok_or_else(|| CurrencyError::Unknown(code.to_owned()))
    }

    /// Looks up an ISO 4217 numeric code (e.g. 978 for EUR).
    pub fn from_numeric(numeric: u16) -> Result<Currency, CurrencyError> {
        Currency::all()
            .find(|c| c.numeric() == numeric)
            .ok_or(CurrencyError::UnknownNumeric(numeric))
    }

    /// All currencies, in alphabetical order of code.
    pub fn all() -> impl ExactSizeIterator<Item = Currency> {
        // COUNT <= u8::MAX is asserted at compile time, so the cast is lossless.
        (0..COUNT as u8).map(Currency)
    }

    /// The three-letter alphabetic code, e.g. `"EUR"`.
    pub fn code(self) -> &'static str {
        self.info().code
    }

    /// The ISO 4217 numeric code, e.g. 978.
    pub fn numeric(self) -> u16 {
        self.info().numeric
    }

    /// Number of decimal places of the minor unit (the exponent), e.g. 2 for EUR, 0 for JPY.
    pub fn minor_units(self) -> u8 {
        self.info().minor_units
    }

    /// The ISO 4217 English currency name.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// 10^minor_units: the number of minor units in one major unit.
    pub fn minor_per_major(self) -> i64 {
        match self.minor_units() {
            0 => 1,
            1 => 10,
            2 => 100,
            3 => 1_000,
            _ => 10_000,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.code())
    }
}

impl FromStr for Currency {
    type Err = CurrencyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::from_code(s)
    }
}

crate::serde_str::serde_via_str!(Currency, "an ISO 4217 alphabetic currency code");

#[cfg(test)]
mod tests {
    use super::*;

    /// Largest minor-unit exponent (CLF, UYW); `minor_per_major` covers 0..=4.
    const MAX_MINOR_UNITS: u8 = 4;

    #[test]
    fn table_is_sorted_unique_and_well_formed() {
        for pair in CURRENCIES.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "{} !< {}",
                pair[0].code,
                pair[1].code
            );
        }
        let mut numerics: Vec<u16> = CURRENCIES.iter().map(|c| c.numeric).collect();
        numerics.sort_unstable();
        numerics.dedup();
        assert_eq!(numerics.len(), COUNT, "numeric codes must be unique");
        for c in &CURRENCIES {
            assert_eq!(c.code.len(), 3);
            assert!(c.code.bytes().all(|b| b.is_ascii_uppercase()));
            assert!((1..=999).contains(&c.numeric), "{}", c.code);
            assert!(c.minor_units <= MAX_MINOR_UNITS, "{}", c.code);
            assert!(!c.name.is_empty());
        }
    }

    #[test]
    fn known_currencies() {
        let eur = Currency::from_code("EUR").unwrap();
        assert_eq!(eur, Currency::EUR);
        assert_eq!(eur.numeric(), 978);
        assert_eq!(eur.minor_units(), 2);
        assert_eq!(eur.name(), "Euro");
        assert_eq!(Currency::JPY.minor_units(), 0);
        assert_eq!(Currency::from_code("BHD").unwrap().minor_units(), 3);
        assert_eq!(Currency::from_code("CLF").unwrap().minor_units(), 4);
        assert_eq!(
            Currency::from_code("CLF").unwrap().minor_per_major(),
            10_000
        );
        assert_eq!(Currency::from_numeric(840).unwrap(), Currency::USD);
        assert_eq!(Currency::from_numeric(8).unwrap().code(), "ALL");
        assert_eq!(Currency::all().len(), COUNT);
        assert_eq!(Currency::all().next().unwrap().code(), "AED");
        assert_eq!(Currency::all().last().unwrap().code(), "ZWG");
        for c in [
            Currency::EUR,
            Currency::USD,
            Currency::GBP,
            Currency::CHF,
            Currency::JPY,
        ] {
            assert_eq!(Currency::from_code(c.code()).unwrap(), c);
        }
    }

    #[test]
    fn rejects_bad_codes() {
        assert_eq!(Currency::from_code("eur"), Err(CurrencyError::Malformed));
        assert_eq!(Currency::from_code("EU"), Err(CurrencyError::Malformed));
        assert_eq!(Currency::from_code("EURO"), Err(CurrencyError::Malformed));
        assert_eq!(Currency::from_code(" EUR"), Err(CurrencyError::Malformed));
        assert_eq!(Currency::from_code("E1R"), Err(CurrencyError::Malformed));
        assert_eq!(Currency::from_code("ÉUR"), Err(CurrencyError::Malformed));
        assert_eq!(Currency::from_code(""), Err(CurrencyError::Malformed));
        for withdrawn_or_unitless in [
            "ABC", "XAU", "XXX", "XTS", "XDR", "HRK", "ANG", "BGN", "ZWL",
        ] {
            assert_eq!(
                Currency::from_code(withdrawn_or_unitless),
                Err(CurrencyError::Unknown(withdrawn_or_unitless.to_owned()))
            );
        }
        assert_eq!(
            Currency::from_numeric(0),
            Err(CurrencyError::UnknownNumeric(0))
        );
        assert_eq!(
            Currency::from_numeric(999),
            Err(CurrencyError::UnknownNumeric(999))
        );
    }

    #[test]
    fn serde_and_display() {
        assert_eq!(Currency::EUR.to_string(), "EUR");
        assert_eq!(format!("{:?}", Currency::EUR), "Currency(EUR)");
        assert_eq!(serde_json::to_string(&Currency::CHF).unwrap(), "\"CHF\"");
        assert_eq!(
            serde_json::from_str::<Currency>("\"JPY\"").unwrap(),
            Currency::JPY
        );
        assert!(serde_json::from_str::<Currency>("\"jpy\"").is_err());
        assert!(serde_json::from_str::<Currency>("392").is_err());
        assert!("GBP".parse::<Currency>().is_ok());
    }

    #[test]
    fn ordering_is_alphabetical() {
        assert!(Currency::CHF < Currency::EUR);
        assert!(Currency::EUR < Currency::USD);
    }
}
