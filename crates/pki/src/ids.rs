//! Checked values that go into certificates: serial numbers, user and device ids, the bank
//! (organization) name and the CRL distribution point URI.

use core::fmt;
use core::str::FromStr;

use crate::PkiError;

/// Longest serial number content (RFC 5280 section 4.1.2.2).
const MAX_SERIAL_LEN: usize = 20;
/// Fewest random bytes for a new serial: 9 bytes = 72 bits, 70 of them random after the
/// sign fix-up, above the 64 bits the CA/B Forum asks for.
pub const MIN_SERIAL_RANDOM_LEN: usize = 9;

/// A certificate serial number: the content octets of a positive, minimally encoded DER
/// INTEGER of at most 20 octets.
///
/// The text form ([`fmt::Display`], [`FromStr`]) is lower-case hex of those octets, the form
/// `pqbank-domain` uses for certificate serials.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Serial(Vec<u8>);

impl Serial {
    /// A new serial from `random` bytes of the caller's CSPRNG (9 to 20 bytes).
    ///
    /// The first byte is forced into `0x40..=0x7f`, so the number is positive, minimally encoded
    /// and exactly `random.len()` octets long; `8 * len - 2` bits stay random.
    ///
    /// # Errors
    /// [`PkiError::InvalidParameter`] for fewer than 9 or more than 20 bytes.
    pub fn from_random(random: &[u8]) -> Result<Self, PkiError> {
        if !(MIN_SERIAL_RANDOM_LEN..=MAX_SERIAL_LEN).contains(&random.len()) {
            return Err(PkiError::InvalidParameter(
                "serial randomness must be 9 to 20 bytes",
            ));
        }
        let mut bytes = random.to_vec();
        if let Some(first) = bytes.first_mut() {
            *first = (*first & 0x7f) | 0x40;
        }
        Ok(Self(bytes))
    }

    /// A serial from the content octets of a DER INTEGER as found in a certificate or CRL.
    ///
    /// # Errors
    /// [`PkiError::Malformed`] if it is empty, zero, negative, not minimal or longer than 20
    /// octets (21 with the sign octet).
    pub fn from_der_content(bytes: &[u8]) -> Result<Self, PkiError> {
        let err = PkiError::Malformed("serial number");
        match bytes {
            [] => Err(err),
            [first, ..] if first & 0x80 != 0 => Err(err),
            [0] => Err(err),
            [0, second, ..] if second & 0x80 == 0 => Err(err),
            [0, rest @ ..] if rest.len() > MAX_SERIAL_LEN => Err(err),
            [first, ..] if *first != 0 && bytes.len() > MAX_SERIAL_LEN => Err(err),
            _ => Ok(Self(bytes.to_vec())),
        }
    }

    /// The DER INTEGER content octets.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Lower-case hex of [`Self::as_bytes`].
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex::encode(&self.0)
    }
}

impl fmt::Display for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Serial({})", self.to_hex())
    }
}

impl FromStr for Serial {
    type Err = PkiError;

    /// Parses lower-case hex of the content octets.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() > 2 * (MAX_SERIAL_LEN + 1) || s.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(PkiError::Malformed("serial number"));
        }
        let bytes = hex::decode(s).map_err(|_| PkiError::Malformed("serial number"))?;
        Self::from_der_content(&bytes)
    }
}

/// Longest user or device id.
pub const MAX_ENTITY_ID_LEN: usize = 64;

/// A user or device id as it appears in certificates (`CN`, `urn:pqbank:user:<id>`,
/// `urn:pqbank:device:<id>`): 1 to 64 characters from `A-Z a-z 0-9 - . _ ~` (URN-safe; pqbank's
/// UUIDs fit).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityId(String);

impl EntityId {
    /// Checks and wraps an id.
    ///
    /// # Errors
    /// [`PkiError::InvalidParameter`] for an empty or too long id or another character.
    pub fn new(id: &str) -> Result<Self, PkiError> {
        let ok = !id.is_empty()
            && id.len() <= MAX_ENTITY_ID_LEN
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
        if ok {
            Ok(Self(id.to_owned()))
        } else {
            Err(PkiError::InvalidParameter(
                "ids are 1 to 64 characters of A-Z a-z 0-9 - . _ ~",
            ))
        }
    }

    /// The id.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EntityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for EntityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl FromStr for EntityId {
    type Err = PkiError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

/// URI prefix of the user SAN.
pub(crate) const USER_URN_PREFIX: &str = "urn:pqbank:user:";
/// URI prefix of the device SAN.
pub(crate) const DEVICE_URN_PREFIX: &str = "urn:pqbank:device:";

/// The identity a device certificate binds its key to: a device of a user.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeviceIdentity {
    /// The user owning the device.
    pub user_id: EntityId,
    /// The device.
    pub device_id: EntityId,
}

impl DeviceIdentity {
    /// Checks both ids (see [`EntityId::new`]).
    ///
    /// # Errors
    /// [`PkiError::InvalidParameter`] if either id is unusable.
    pub fn new(user_id: &str, device_id: &str) -> Result<Self, PkiError> {
        Ok(Self {
            user_id: EntityId::new(user_id)?,
            device_id: EntityId::new(device_id)?,
        })
    }

    /// `urn:pqbank:user:<user id>`.
    #[must_use]
    pub fn user_urn(&self) -> String {
        format!("{USER_URN_PREFIX}{}", self.user_id)
    }

    /// `urn:pqbank:device:<device id>`.
    #[must_use]
    pub fn device_urn(&self) -> String {
        format!("{DEVICE_URN_PREFIX}{}", self.device_id)
    }
}

/// Longest organization (bank) name.
pub const MAX_BANK_NAME_LEN: usize = 64;

/// The organization name (`O=`) of device certificates: 1 to 64 characters, no control
/// characters, no leading or trailing spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BankName(String);

impl BankName {
    /// Checks and wraps a name.
    ///
    /// # Errors
    /// [`PkiError::InvalidParameter`] if the name is empty, too long or has control characters
    /// or surrounding spaces.
    pub fn new(name: &str) -> Result<Self, PkiError> {
        let ok = !name.is_empty()
            && name.chars().count() <= MAX_BANK_NAME_LEN
            && name.trim() == name
            && !name.chars().any(char::is_control);
        if ok {
            Ok(Self(name.to_owned()))
        } else {
            Err(PkiError::InvalidParameter(
                "bank name: 1 to 64 characters, no control characters or surrounding spaces",
            ))
        }
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Longest CRL distribution point URI.
pub const MAX_URI_LEN: usize = 512;

/// A CRL distribution point: an `http://` or `https://` URI of printable ASCII without spaces,
/// at most 512 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CrlUri(String);

impl CrlUri {
    /// Checks and wraps a URI.
    ///
    /// # Errors
    /// [`PkiError::InvalidParameter`] for another scheme, length or character.
    pub fn new(uri: &str) -> Result<Self, PkiError> {
        let ok = uri.len() <= MAX_URI_LEN
            && (uri.starts_with("http://") || uri.starts_with("https://"))
            && uri.len() > "https://".len()
            && uri.bytes().all(|b| b.is_ascii_graphic());
        if ok {
            Ok(Self(uri.to_owned()))
        } else {
            Err(PkiError::InvalidParameter(
                "CRL URI: http(s), printable ASCII, at most 512 characters",
            ))
        }
    }

    /// The URI.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_serials_are_positive_minimal_and_long() {
        for fill in [0x00, 0x80, 0xff, 0x3f] {
            let s = Serial::from_random(&[fill; 16]).unwrap();
            assert_eq!(s.as_bytes().len(), 16);
            assert!((0x40..=0x7f).contains(&s.as_bytes()[0]));
            assert_eq!(Serial::from_der_content(s.as_bytes()).unwrap(), s);
            assert_eq!(s.to_string().parse::<Serial>().unwrap(), s);
        }
        assert!(Serial::from_random(&[1; 8]).is_err());
        assert!(Serial::from_random(&[1; 21]).is_err());
    }

    #[test]
    fn parsed_serials_must_be_positive_and_minimal() {
        assert!(Serial::from_der_content(&[]).is_err());
        assert!(Serial::from_der_content(&[0]).is_err());
        assert!(Serial::from_der_content(&[0x80]).is_err());
        assert!(Serial::from_der_content(&[0, 0x7f]).is_err());
        assert!(Serial::from_der_content(&[0, 0x80]).is_ok());
        assert!(Serial::from_der_content(&[1]).is_ok());
        assert!(Serial::from_der_content(&[0x7f; 20]).is_ok());
        assert!(Serial::from_der_content(&[0x7f; 21]).is_err());
        let mut with_sign = vec![0];
        with_sign.extend_from_slice(&[0xff; 20]);
        assert!(Serial::from_der_content(&with_sign).is_ok());
        assert!("ABCD".parse::<Serial>().is_err());
        assert!("zz".parse::<Serial>().is_err());
    }

    #[test]
    fn ids_names_and_uris_are_checked() {
        assert!(EntityId::new("0190f8a2-7c1e-7d3b-9a4f-0123456789ab").is_ok());
        for bad in ["", "a b", "a:b", "a/b", "é", &"x".repeat(65)] {
            assert!(EntityId::new(bad).is_err(), "{bad:?}");
        }
        let id = DeviceIdentity::new("u1", "d1").unwrap();
        assert_eq!(id.user_urn(), "urn:pqbank:user:u1");
        assert_eq!(id.device_urn(), "urn:pqbank:device:d1");
        assert!(BankName::new("pqbank, Inc.").is_ok());
        for bad in ["", " x", "x ", "a\nb", &"x".repeat(65)] {
            assert!(BankName::new(bad).is_err(), "{bad:?}");
        }
        assert!(CrlUri::new("https://pki.example/crl/issuing.crl").is_ok());
        for bad in ["ftp://x/y", "https://", "https://a b", "http://é"] {
            assert!(CrlUri::new(bad).is_err(), "{bad:?}");
        }
    }
}
