//! Identifiers: UUID newtypes, session handles and X.509 certificate serial numbers.
//!
//! Every UUID id rejects the nil and max UUIDs and any non-RFC 9562 variant. [`TransferId`] is
//! chosen by the client and must additionally be version 7 (time-ordered). The text form is the
//! canonical lower-case hyphenated one (36 chars); other spellings (upper case, braces, URN,
//! simple) are rejected so that each id has exactly one spelling in signed payloads.
//!
//! New ids are made with `new_v7(unix_millis, random)`: time and randomness come from the caller
//! (the domain has no clock and no RNG).

use std::fmt;
use std::str::FromStr;

use thiserror::Error;
use uuid::{Uuid, Variant};

/// Errors from parsing identifiers.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdError {
    /// Not a canonical lower-case hyphenated UUID.
    #[error("{kind} must be a lower-case hyphenated UUID")]
    Malformed {
        /// The id type.
        kind: &'static str,
    },
    /// The nil UUID.
    #[error("{kind} must not be the nil UUID")]
    Nil {
        /// The id type.
        kind: &'static str,
    },
    /// Not an RFC 9562 variant UUID (this includes the max UUID).
    #[error("{kind} must be an RFC 9562 UUID")]
    WrongVariant {
        /// The id type.
        kind: &'static str,
    },
    /// The UUID version is not the required one.
    #[error("{kind} must be a version {expected} UUID, got version {found}")]
    WrongVersion {
        /// The id type.
        kind: &'static str,
        /// Required version.
        expected: usize,
        /// Version found.
        found: usize,
    },
    /// Not a session id (32 lower-case hex characters).
    #[error("session id must be 32 lower-case hex characters")]
    SessionMalformed,
    /// Certificate serial hex string is malformed.
    #[error("certificate serial must be lower-case hex of 8 to 20 bytes")]
    SerialMalformed,
    /// Certificate serial has the wrong length.
    #[error("certificate serial must be 8 to 20 bytes")]
    SerialLength,
    /// Certificate serial is zero or negative.
    #[error("certificate serial must be positive")]
    SerialNotPositive,
    /// Certificate serial is not minimally encoded (redundant leading zero byte).
    #[error("certificate serial has a redundant leading zero byte")]
    SerialNotMinimal,
}

/// Parses the canonical lower-case hyphenated UUID form only.
fn parse_canonical_uuid(s: &str, kind: &'static str) -> Result<Uuid, IdError> {
    let canonical_shape = s.len() == 36 && !s.bytes().any(|b| b.is_ascii_uppercase());
    match Uuid::try_parse(s) {
        // A 36-byte string that `uuid` accepts is necessarily the hyphenated form.
        Ok(uuid) if canonical_shape => Ok(uuid),
        _ => Err(IdError::Malformed { kind }),
    }
}

fn check_any(uuid: Uuid, kind: &'static str) -> Result<Uuid, IdError> {
    if uuid.is_nil() {
        Err(IdError::Nil { kind })
    } else if uuid.get_variant() != Variant::RFC4122 {
        Err(IdError::WrongVariant { kind })
    } else {
        Ok(uuid)
    }
}

fn check_v7(uuid: Uuid, kind: &'static str) -> Result<Uuid, IdError> {
    let uuid = check_any(uuid, kind)?;
    match uuid.get_version_num() {
        7 => Ok(uuid),
        found => Err(IdError::WrongVersion {
            kind,
            expected: 7,
            found,
        }),
    }
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $check:path) => {
        $(#[$doc])*
        ///
        /// Text and serde form: canonical lower-case hyphenated UUID.
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Uuid);

        impl $name {
            /// Validates a UUID for this id type.
            pub fn from_uuid(uuid: Uuid) -> Result<Self, IdError> {
                $check(uuid, $kind).map(Self)
            }

            /// A new version 7 id from a Unix time in milliseconds (low 48 bits used) and 10
            /// caller-supplied random bytes (74 bits of them are used).
            pub fn new_v7(unix_millis: u64, random: [u8; 10]) -> Self {
                Self(uuid::Builder::from_unix_timestamp_millis(unix_millis, &random).into_uuid())
            }

            /// The UUID.
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }

            /// The 16 bytes, big-endian.
            pub const fn as_bytes(&self) -> &[u8; 16] {
                self.0.as_bytes()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::from_uuid(parse_canonical_uuid(s, $kind)?)
            }
        }

        impl TryFrom<Uuid> for $name {
            type Error = IdError;
            fn try_from(uuid: Uuid) -> Result<Self, IdError> {
                Self::from_uuid(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        crate::serde_str::serde_via_str!($name, "a lower-case hyphenated UUID");
    };
}

uuid_id!(
    /// A user (customer or staff member).
    UserId, "user id", check_any
);
uuid_id!(
    /// A ledger account.
    AccountId, "account id", check_any
);
uuid_id!(
    /// An enrolled device (holds a client certificate).
    DeviceId, "device id", check_any
);
uuid_id!(
    /// A transfer. Chosen by the initiating client (it is part of the signed payload and the
    /// idempotency key), so it must be a UUIDv7.
    TransferId, "transfer id", check_v7
);
uuid_id!(
    /// A security or fraud alert.
    AlertId, "alert id", check_any
);
uuid_id!(
    /// An approval decision on a pending transfer.
    ApprovalId, "approval id", check_any
);
uuid_id!(
    /// A request, for correlation and idempotency of non-transfer operations.
    RequestId, "request id", check_any
);

/// The text form of session handles and certificate serials: lower-case hex, no separators.
fn write_lower_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for b in bytes {
        write!(f, "{b:02x}")?;
    }
    Ok(())
}

/// True if `s` is only lower-case hex digits (the one spelling those ids accept).
fn is_lower_hex(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The public handle of a session: 16 random bytes, written as 32 lower-case hex characters.
///
/// It names a session in lists and in `DELETE /users/{user_id}/sessions/{session_id}`; it is
/// not the bearer token (whose hash is the session's key) and grants nothing by itself.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SessionId([u8; 16]);

impl SessionId {
    /// From the 16 random bytes.
    pub const fn from_bytes(bytes: [u8; 16]) -> SessionId {
        SessionId(bytes)
    }

    /// The 16 bytes.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_lower_hex(f, &self.0)
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({self})")
    }
}

impl FromStr for SessionId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        if s.len() != 32 || !is_lower_hex(s) {
            return Err(IdError::SessionMalformed);
        }
        let mut bytes = [0u8; 16];
        hex::decode_to_slice(s, &mut bytes).map_err(|_| IdError::SessionMalformed)?;
        Ok(SessionId(bytes))
    }
}

crate::serde_str::serde_via_str!(SessionId, "32 lower-case hex characters");

/// Minimum serial length in bytes (64 bits of entropy, as the CA/Browser Forum requires).
const SERIAL_MIN_LEN: usize = 8;
/// Maximum serial length in bytes (RFC 5280 §4.1.2.2).
const SERIAL_MAX_LEN: usize = 20;

/// An X.509 certificate serial number.
///
/// Holds the DER `INTEGER` content octets (what `x509-cert`'s `SerialNumber::as_bytes` returns):
/// two's complement big-endian, minimal (no redundant leading `00`), positive, 8..=20 octets.
/// Text form: lower-case hex of those octets without separators (so a serial whose top bit is
/// set starts with `00`). Only lower-case hex is accepted.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CertificateSerial {
    // Field order matters for the derived `Ord`: for minimal positive integers, longer is larger.
    len: u8,
    // Octets beyond `len` are always zero, so the derived traits are correct.
    bytes: [u8; SERIAL_MAX_LEN],
}

impl CertificateSerial {
    /// From DER `INTEGER` content octets.
    pub fn from_der_bytes(der: &[u8]) -> Result<CertificateSerial, IdError> {
        if !(SERIAL_MIN_LEN..=SERIAL_MAX_LEN).contains(&der.len()) {
            return Err(IdError::SerialLength);
        }
        match der {
            [first, ..] if first & 0x80 != 0 => return Err(IdError::SerialNotPositive),
            [0, second, ..] if second & 0x80 == 0 => return Err(IdError::SerialNotMinimal),
            _ => {}
        }
        let mut bytes = [0u8; SERIAL_MAX_LEN];
        bytes[..der.len()].copy_from_slice(der);
        let len = u8::try_from(der.len()).map_err(|_| IdError::SerialLength)?;
        Ok(CertificateSerial { len, bytes })
    }

    /// From an unsigned big-endian magnitude (e.g. random bytes): leading zeros are stripped and
    /// a `00` octet is prepended when the top bit is set, then the DER rules apply.
    pub fn from_unsigned_magnitude(magnitude: &[u8]) -> Result<CertificateSerial, IdError> {
        let start = magnitude
            .iter()
            .position(|&b| b != 0)
            .ok_or(IdError::SerialNotPositive)?;
        let trimmed = &magnitude[start..];
        match trimmed.first() {
            Some(first) if first & 0x80 != 0 => {
                if trimmed.len() >= SERIAL_MAX_LEN {
                    return Err(IdError::SerialLength);
                }
                let mut der = [0u8; SERIAL_MAX_LEN];
                der[1..=trimmed.len()].copy_from_slice(trimmed);
                CertificateSerial::from_der_bytes(&der[..=trimmed.len()])
            }
            _ => CertificateSerial::from_der_bytes(trimmed),
        }
    }

    /// The DER `INTEGER` content octets.
    pub fn as_der_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl fmt::Display for CertificateSerial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_lower_hex(f, self.as_der_bytes())
    }
}

impl fmt::Debug for CertificateSerial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CertificateSerial({self})")
    }
}

impl FromStr for CertificateSerial {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        if s.len() > SERIAL_MAX_LEN * 2 || !s.len().is_multiple_of(2) || !is_lower_hex(s) {
            return Err(IdError::SerialMalformed);
        }
        let mut buf = [0u8; SERIAL_MAX_LEN];
        let out = &mut buf[..s.len() / 2];
        hex::decode_to_slice(s, out).map_err(|_| IdError::SerialMalformed)?;
        CertificateSerial::from_der_bytes(out)
    }
}

crate::serde_str::serde_via_str!(CertificateSerial, "a certificate serial in lower-case hex");

#[cfg(test)]
mod tests {
    use super::*;

    const V7: &str = "01936f0e-8c2a-7b3d-9e4f-0123456789ab";
    const V4: &str = "9b2c7d4e-1f3a-4b5c-8d6e-7f8091a2b3c4";

    #[test]
    fn uuid_ids_accept_canonical() {
        let id: UserId = V4.parse().unwrap();
        assert_eq!(id.to_string(), V4);
        assert_eq!(format!("{id:?}"), format!("UserId({V4})"));
        let t: TransferId = V7.parse().unwrap();
        assert_eq!(t.to_string(), V7);
        assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{V7}\""));
        assert_eq!(
            serde_json::from_str::<TransferId>(&format!("\"{V7}\"")).unwrap(),
            t
        );
        let a: AccountId = V7.parse().unwrap();
        assert_eq!(Uuid::from(a).as_bytes(), a.as_bytes());
    }

    #[test]
    fn uuid_ids_reject_bad() {
        let upper = V4.to_uppercase();
        let braced = format!("{{{V4}}}");
        let urn = format!("urn:uuid:{V4}");
        let simple = V4.replace('-', "");
        for bad in [
            upper.as_str(),
            &braced,
            &urn,
            &simple,
            "",
            "not-a-uuid",
            &V4[..35],
        ] {
            assert_eq!(
                bad.parse::<UserId>(),
                Err(IdError::Malformed { kind: "user id" }),
                "{bad:?}"
            );
        }
        assert_eq!(
            "00000000-0000-0000-0000-000000000000".parse::<AlertId>(),
            Err(IdError::Nil { kind: "alert id" })
        );
        assert_eq!(
            "ffffffff-ffff-ffff-ffff-ffffffffffff".parse::<DeviceId>(),
            Err(IdError::WrongVariant { kind: "device id" })
        );
        // Microsoft variant (c).
        assert_eq!(
            "9b2c7d4e-1f3a-4b5c-cd6e-7f8091a2b3c4".parse::<AlertId>(),
            Err(IdError::WrongVariant { kind: "alert id" })
        );
        assert_eq!(
            V4.parse::<TransferId>(),
            Err(IdError::WrongVersion {
                kind: "transfer id",
                expected: 7,
                found: 4
            })
        );
        assert!(serde_json::from_str::<TransferId>(&format!("\"{V4}\"")).is_err());
    }

    #[test]
    fn v7_generation_is_valid_and_ordered() {
        let a = TransferId::new_v7(1_700_000_000_000, [0xff; 10]);
        let b = TransferId::new_v7(1_700_000_000_001, [0x00; 10]);
        assert!(a < b);
        assert_eq!(TransferId::from_uuid(*a.as_uuid()), Ok(a));
        assert_eq!(a.to_string().parse::<TransferId>(), Ok(a));
        assert_eq!(a.as_uuid().get_version_num(), 7);
        // Even all-zero randomness and time give a valid (non-nil) id.
        let z = UserId::new_v7(0, [0; 10]);
        assert_eq!(UserId::from_uuid(*z.as_uuid()), Ok(z));
    }

    #[test]
    fn serial_from_der() {
        let s = CertificateSerial::from_der_bytes(&[0x01; 8]).unwrap();
        assert_eq!(s.to_string(), "0101010101010101");
        assert_eq!(s.as_der_bytes(), &[0x01; 8]);
        let mut top = vec![0x00, 0x80];
        top.extend([0x11; 18]);
        let s = CertificateSerial::from_der_bytes(&top).unwrap();
        assert_eq!(s.to_string(), format!("0080{}", "11".repeat(18)));
        assert_eq!(
            CertificateSerial::from_der_bytes(&[0x01; 7]),
            Err(IdError::SerialLength)
        );
        assert_eq!(
            CertificateSerial::from_der_bytes(&[0x01; 21]),
            Err(IdError::SerialLength)
        );
        assert_eq!(
            CertificateSerial::from_der_bytes(&[]),
            Err(IdError::SerialLength)
        );
        assert_eq!(
            CertificateSerial::from_der_bytes(&[0x80; 8]),
            Err(IdError::SerialNotPositive)
        );
        assert_eq!(
            CertificateSerial::from_der_bytes(&[0x00, 0x7f, 1, 1, 1, 1, 1, 1]),
            Err(IdError::SerialNotMinimal)
        );
        assert_eq!(
            CertificateSerial::from_der_bytes(&[0x00; 8]),
            Err(IdError::SerialNotMinimal)
        );
    }

    #[test]
    fn serial_from_magnitude() {
        let s = CertificateSerial::from_unsigned_magnitude(&[0xff; 16]).unwrap();
        assert_eq!(s.as_der_bytes().len(), 17);
        assert_eq!(s.as_der_bytes()[0], 0);
        let s =
            CertificateSerial::from_unsigned_magnitude(&[0, 0, 0x7f, 1, 2, 3, 4, 5, 6, 7]).unwrap();
        assert_eq!(s.as_der_bytes(), &[0x7f, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(
            CertificateSerial::from_unsigned_magnitude(&[0; 16]),
            Err(IdError::SerialNotPositive)
        );
        assert_eq!(
            CertificateSerial::from_unsigned_magnitude(&[]),
            Err(IdError::SerialNotPositive)
        );
        assert_eq!(
            CertificateSerial::from_unsigned_magnitude(&[0xff; 20]),
            Err(IdError::SerialLength)
        );
        assert!(CertificateSerial::from_unsigned_magnitude(&[0x7f; 20]).is_ok());
        assert_eq!(
            CertificateSerial::from_unsigned_magnitude(&[0x7f; 7]),
            Err(IdError::SerialLength)
        );
    }

    #[test]
    fn serial_text() {
        let hex = "7f0102030405060708090a0b0c0d0e0f";
        let s: CertificateSerial = hex.parse().unwrap();
        assert_eq!(s.to_string(), hex);
        assert_eq!(format!("{s:?}"), format!("CertificateSerial({hex})"));
        assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{hex}\""));
        assert_eq!(
            serde_json::from_str::<CertificateSerial>(&format!("\"{hex}\"")).unwrap(),
            s
        );
        let upper = hex.to_uppercase();
        let long = "11".repeat(21);
        for bad in [
            &upper,
            "7f0",
            "",
            "7f:01:02:03:04:05:06:07",
            "0x7f01020304050607",
            &long,
            "zz01020304050607",
        ] {
            assert!(bad.parse::<CertificateSerial>().is_err(), "{bad:?}");
        }
        assert_eq!(
            "ff01020304050607".parse::<CertificateSerial>(),
            Err(IdError::SerialNotPositive)
        );
    }

    #[test]
    fn serial_ordering_is_numeric() {
        let small: CertificateSerial = "7fffffffffffffff".parse().unwrap();
        let big: CertificateSerial = "008000000000000000".parse().unwrap();
        let bigger: CertificateSerial = "010000000000000000".parse().unwrap();
        assert!(small < big && big < bigger);
    }

    #[test]
    fn session_ids_are_32_lower_case_hex() {
        let text = "0123456789abcdef00ff10e0d0c0b0a0";
        let id: SessionId = text.parse().unwrap();
        assert_eq!(id.to_string(), text);
        assert_eq!(format!("{id:?}"), format!("SessionId({text})"));
        assert_eq!(id.as_bytes()[15], 0xa0);
        assert_eq!(SessionId::from_bytes(*id.as_bytes()), id);
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{text}\""));
        let upper = text.to_uppercase();
        let long = format!("{text}00");
        for bad in [
            "",
            &text[..31],
            &long,
            &upper,
            "0123456789abcdef00ff10e0d0c0b0ag",
            "01936f0e-8c2a-7b3d-9e4f-0123456789ab",
            "0123456789abcdef00ff10e0d0c0b0a\u{e9}",
        ] {
            assert_eq!(
                bad.parse::<SessionId>(),
                Err(IdError::SessionMalformed),
                "{bad:?}"
            );
        }
        assert_eq!(
            IdError::SessionMalformed.to_string(),
            "session id must be 32 lower-case hex characters"
        );
    }
}
