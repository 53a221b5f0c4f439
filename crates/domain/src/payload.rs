//! Canonical signed payloads: what a device signs to initiate ([`TransferPayload`]) or approve
//! ([`ApprovalPayload`]) a transfer.
//!
//! `canonical_bytes()` is the RFC 8785 (JCS) serialisation of a flat JSON object whose values are
//! all strings, including a `"type"` member naming the payload kind and version. The format is
//! specified in `docs/canonical-payloads.md`; shared test vectors are in
//! `testdata/transfer-payload-vectors.json`.
//!
//! Parsing is strict: all members present, no others, every value a string in its single
//! canonical spelling (lower-case UUIDs and hex, minor units without leading zeros, `...Z`
//! timestamps). [`TransferPayload::from_json`] accepts any JSON layout of such an object (member
//! order, whitespace, escapes); [`TransferPayload::from_canonical_bytes`] additionally requires
//! the input to be byte-for-byte the canonical form, which is what a signature verifier should
//! use so that the bytes verified are exactly the bytes interpreted.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::currency::Currency;
use crate::id::{AccountId, CertificateSerial, TransferId};
use crate::jcs;
use crate::money::TransferAmount;
use crate::text::{InputError, check_free_text};
use crate::timestamp::Timestamp;

/// `"type"` of a transfer payload.
pub const TRANSFER_PAYLOAD_TYPE: &str = "pqbank.transfer.v1";
/// `"type"` of an approval payload.
pub const APPROVAL_PAYLOAD_TYPE: &str = "pqbank.approval.v1";
/// Signature context (composite ML-DSA `ctx`) for transfer payloads.
pub const TRANSFER_SIGNATURE_CONTEXT: &[u8] = b"pqbank/transfer/v1";
/// Signature context for approval payloads.
pub const APPROVAL_SIGNATURE_CONTEXT: &[u8] = b"pqbank/approval/v1";
/// Largest JSON document the payload parsers look at.
pub const MAX_PAYLOAD_JSON_BYTES: usize = 4096;

/// Why a payload was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PayloadError {
    /// Larger than [`MAX_PAYLOAD_JSON_BYTES`].
    #[error("payload larger than {max} bytes")]
    TooLarge {
        /// The limit.
        max: usize,
    },
    /// Not JSON, not an object, a missing/unknown/duplicate member, or a non-string value.
    #[error("malformed payload: {0}")]
    Malformed(String),
    /// The `"type"` member names another payload kind or version.
    #[error("payload type must be {expected}")]
    WrongType {
        /// The expected type.
        expected: &'static str,
    },
    /// A member's value is invalid.
    #[error("invalid {field}: {reason}")]
    InvalidField {
        /// Member name.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// Valid, but not byte-for-byte in canonical form.
    #[error("payload is not in canonical form")]
    NotCanonical,
}

fn field<T: FromStr>(name: &'static str, value: &str) -> Result<T, PayloadError>
where
    T::Err: fmt::Display,
{
    value
        .parse()
        .map_err(|e: T::Err| PayloadError::InvalidField {
            field: name,
            reason: e.to_string(),
        })
}

fn parse_json<'a, W: Deserialize<'a>>(bytes: &'a [u8]) -> Result<W, PayloadError> {
    if bytes.len() > MAX_PAYLOAD_JSON_BYTES {
        return Err(PayloadError::TooLarge {
            max: MAX_PAYLOAD_JSON_BYTES,
        });
    }
    serde_json::from_slice(bytes).map_err(|e| PayloadError::Malformed(e.to_string()))
}

fn check_type(found: &str, expected: &'static str) -> Result<(), PayloadError> {
    if found == expected {
        Ok(())
    } else {
        Err(PayloadError::WrongType { expected })
    }
}

/// The free-text reference of a transfer: 0..=140 Unicode characters (code points, not UTF-16
/// units), no control/bidi/invisible formatting characters, no leading or trailing whitespace.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct TransferReference(String);

impl TransferReference {
    /// Maximum length in characters.
    pub const MAX_LEN: usize = 140;

    /// Validates.
    pub fn parse(input: &str) -> Result<TransferReference, InputError> {
        check_free_text("reference", input, 0, Self::MAX_LEN)?;
        Ok(TransferReference(input.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TransferReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for TransferReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TransferReference({:?})", self.0)
    }
}

impl FromStr for TransferReference {
    type Err = InputError;
    fn from_str(s: &str) -> Result<Self, InputError> {
        TransferReference::parse(s)
    }
}

crate::serde_str::serde_via_str!(TransferReference, "a transfer reference");

/// A SHA-256 digest (of a transfer payload's canonical bytes). Text form: 64 lower-case hex
/// digits. Computing it is the crypto crate's job; the domain only carries it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PayloadDigest([u8; 32]);

/// Malformed digest text.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("digest must be 64 lower-case hex digits")]
pub struct DigestError;

impl PayloadDigest {
    /// From raw digest bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> PayloadDigest {
        PayloadDigest(bytes)
    }

    /// The raw bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for PayloadDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for PayloadDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PayloadDigest({self})")
    }
}

impl FromStr for PayloadDigest {
    type Err = DigestError;
    fn from_str(s: &str) -> Result<Self, DigestError> {
        if s.len() != 64 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(DigestError);
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).map_err(|_| DigestError)?;
        Ok(PayloadDigest(out))
    }
}

crate::serde_str::serde_via_str!(PayloadDigest, "a lower-case hex SHA-256 digest");

/// The decision in an [`ApprovalPayload`]. Only approvals are signed; a rejection is an
/// authenticated request without a signed payload. Text form: `"approve"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApprovalDecision {
    /// Approve the transfer.
    Approve,
}

/// Unknown approval decision.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("decision must be \"approve\"")]
pub struct DecisionError;

impl ApprovalDecision {
    /// Stable name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ApprovalDecision::Approve => "approve",
        }
    }
}

impl fmt::Display for ApprovalDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ApprovalDecision {
    type Err = DecisionError;
    fn from_str(s: &str) -> Result<Self, DecisionError> {
        match s {
            "approve" => Ok(ApprovalDecision::Approve),
            _ => Err(DecisionError),
        }
    }
}

crate::serde_str::serde_via_str!(ApprovalDecision, "\"approve\"");

/// What the initiating device signs. Every field is already validated by its type; the payload
/// adds no cross-field rule (same-account and balance checks belong to the ledger rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferPayload {
    /// Client-chosen UUIDv7; also the idempotency key.
    pub transfer_id: TransferId,
    /// Account to debit.
    pub from_account: AccountId,
    /// Account to credit.
    pub to_account: AccountId,
    /// Amount and currency (canonical members `amount`, minor units, and `currency`).
    pub amount: TransferAmount,
    /// Free-text reference.
    pub reference: TransferReference,
    /// Creation time as claimed by the client (the server checks it against its clock).
    pub created_at: Timestamp,
    /// Serial of the certificate whose key signs this payload.
    pub initiator_cert_serial: CertificateSerial,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TransferWire {
    #[serde(rename = "type")]
    kind: String,
    transfer_id: String,
    from_account: String,
    to_account: String,
    amount: String,
    currency: String,
    reference: String,
    created_at: String,
    initiator_cert_serial: String,
}

impl TryFrom<TransferWire> for TransferPayload {
    type Error = PayloadError;
    fn try_from(w: TransferWire) -> Result<Self, PayloadError> {
        check_type(&w.kind, TRANSFER_PAYLOAD_TYPE)?;
        let currency: Currency = field("currency", &w.currency)?;
        let amount = TransferAmount::parse_minor_units(&w.amount, currency).map_err(|e| {
            PayloadError::InvalidField {
                field: "amount",
                reason: e.to_string(),
            }
        })?;
        Ok(TransferPayload {
            transfer_id: field("transfer_id", &w.transfer_id)?,
            from_account: field("from_account", &w.from_account)?,
            to_account: field("to_account", &w.to_account)?,
            amount,
            reference: field("reference", &w.reference)?,
            created_at: field("created_at", &w.created_at)?,
            initiator_cert_serial: field("initiator_cert_serial", &w.initiator_cert_serial)?,
        })
    }
}

impl TransferPayload {
    /// The members of the canonical object.
    pub fn canonical_members(&self) -> BTreeMap<&'static str, String> {
        BTreeMap::from([
            ("amount", self.amount.minor_units_string()),
            ("created_at", self.created_at.to_string()),
            ("currency", self.amount.currency().code().to_owned()),
            ("from_account", self.from_account.to_string()),
            (
                "initiator_cert_serial",
                self.initiator_cert_serial.to_string(),
            ),
            ("reference", self.reference.as_str().to_owned()),
            ("to_account", self.to_account.to_string()),
            ("transfer_id", self.transfer_id.to_string()),
            ("type", TRANSFER_PAYLOAD_TYPE.to_owned()),
        ])
    }

    /// The canonical JSON text (JCS).
    pub fn canonical_json(&self) -> String {
        jcs::string_object(&self.canonical_members())
    }

    /// The bytes to sign: UTF-8 of [`TransferPayload::canonical_json`].
    pub fn canonical_bytes(&self) -> Vec<u8> {
        self.canonical_json().into_bytes()
    }

    /// Parses a JSON object strictly (see the module docs); layout need not be canonical.
    pub fn from_json(bytes: &[u8]) -> Result<TransferPayload, PayloadError> {
        parse_json::<TransferWire>(bytes)?.try_into()
    }

    /// Parses and requires `bytes == canonical_bytes()` of the result.
    pub fn from_canonical_bytes(bytes: &[u8]) -> Result<TransferPayload, PayloadError> {
        let payload = TransferPayload::from_json(bytes)?;
        if payload.canonical_bytes() == bytes {
            Ok(payload)
        } else {
            Err(PayloadError::NotCanonical)
        }
    }
}

/// What an approving device signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalPayload {
    /// The transfer being approved.
    pub transfer_id: TransferId,
    /// SHA-256 of the transfer payload's canonical bytes (binds the approval to exactly what the
    /// initiator signed).
    pub payload_digest: PayloadDigest,
    /// The decision.
    pub decision: ApprovalDecision,
    /// Serial of the approver's certificate.
    pub approver_cert_serial: CertificateSerial,
    /// Creation time as claimed by the approver's client.
    pub created_at: Timestamp,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApprovalWire {
    #[serde(rename = "type")]
    kind: String,
    transfer_id: String,
    payload_digest: String,
    decision: String,
    approver_cert_serial: String,
    created_at: String,
}

impl TryFrom<ApprovalWire> for ApprovalPayload {
    type Error = PayloadError;
    fn try_from(w: ApprovalWire) -> Result<Self, PayloadError> {
        check_type(&w.kind, APPROVAL_PAYLOAD_TYPE)?;
        Ok(ApprovalPayload {
            transfer_id: field("transfer_id", &w.transfer_id)?,
            payload_digest: field("payload_digest", &w.payload_digest)?,
            decision: field("decision", &w.decision)?,
            approver_cert_serial: field("approver_cert_serial", &w.approver_cert_serial)?,
            created_at: field("created_at", &w.created_at)?,
        })
    }
}

impl ApprovalPayload {
    /// The members of the canonical object.
    pub fn canonical_members(&self) -> BTreeMap<&'static str, String> {
        BTreeMap::from([
            (
                "approver_cert_serial",
                self.approver_cert_serial.to_string(),
            ),
            ("created_at", self.created_at.to_string()),
            ("decision", self.decision.as_str().to_owned()),
            ("payload_digest", self.payload_digest.to_string()),
            ("transfer_id", self.transfer_id.to_string()),
            ("type", APPROVAL_PAYLOAD_TYPE.to_owned()),
        ])
    }

    /// The canonical JSON text (JCS).
    pub fn canonical_json(&self) -> String {
        jcs::string_object(&self.canonical_members())
    }

    /// The bytes to sign.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        self.canonical_json().into_bytes()
    }

    /// Parses a JSON object strictly; layout need not be canonical.
    pub fn from_json(bytes: &[u8]) -> Result<ApprovalPayload, PayloadError> {
        parse_json::<ApprovalWire>(bytes)?.try_into()
    }

    /// Parses and requires `bytes == canonical_bytes()` of the result.
    pub fn from_canonical_bytes(bytes: &[u8]) -> Result<ApprovalPayload, PayloadError> {
        let payload = ApprovalPayload::from_json(bytes)?;
        if payload.canonical_bytes() == bytes {
            Ok(payload)
        } else {
            Err(PayloadError::NotCanonical)
        }
    }

    /// True if this approval is for `transfer_id` with that payload digest.
    pub fn matches(&self, transfer_id: TransferId, payload_digest: &PayloadDigest) -> bool {
        self.transfer_id == transfer_id && self.payload_digest == *payload_digest
    }
}

/// Serde for both payloads: the canonical object (sorted members, all strings).
macro_rules! payload_serde {
    ($ty:ty, $wire:ty) => {
        impl Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_map(self.canonical_members())
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <$wire>::deserialize(deserializer)?
                    .try_into()
                    .map_err(serde::de::Error::custom)
            }
        }
    };
}

payload_serde!(TransferPayload, TransferWire);
payload_serde!(ApprovalPayload, ApprovalWire);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TID: &str = "01936f0e-8c2a-7b3d-9e4f-0123456789ab";
    const FROM: &str = "0192b6a4-3c5d-7e6f-8a9b-0c1d2e3f4a5b";
    const TO: &str = "0192b6a4-3c5d-7e6f-9a9b-0c1d2e3f4a5c";
    const SERIAL: &str = "3f2a9c1b7d4e5f60718293a4b5c6d7e8";
    const DIGEST: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    fn sample() -> TransferPayload {
        TransferPayload {
            transfer_id: TID.parse().unwrap(),
            from_account: FROM.parse().unwrap(),
            to_account: TO.parse().unwrap(),
            amount: TransferAmount::from_minor(123_450, Currency::EUR).unwrap(),
            reference: TransferReference::parse("Rent \"Nov\" \\ 2026 – Zoë 🚀").unwrap(),
            created_at: "2026-11-29T09:10:00Z".parse().unwrap(),
            initiator_cert_serial: SERIAL.parse().unwrap(),
        }
    }

    fn sample_approval() -> ApprovalPayload {
        ApprovalPayload {
            transfer_id: TID.parse().unwrap(),
            payload_digest: DIGEST.parse().unwrap(),
            decision: ApprovalDecision::Approve,
            approver_cert_serial: "00c0ffee00c0ffee00".parse().unwrap(),
            created_at: "2026-11-29T10:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn transfer_canonical_form() {
        let p = sample();
        let expected = format!(
            "{{\"amount\":\"123450\",\"created_at\":\"2026-11-29T09:10:00Z\",\"currency\":\"EUR\",\
             \"from_account\":\"{FROM}\",\"initiator_cert_serial\":\"{SERIAL}\",\
             \"reference\":\"Rent \\\"Nov\\\" \\\\ 2026 – Zoë 🚀\",\"to_account\":\"{TO}\",\
             \"transfer_id\":\"{TID}\",\"type\":\"pqbank.transfer.v1\"}}"
        );
        assert_eq!(p.canonical_json(), expected);
        assert_eq!(p.canonical_bytes(), expected.as_bytes());
        assert_eq!(
            TransferPayload::from_canonical_bytes(&p.canonical_bytes()),
            Ok(p.clone())
        );
        assert_eq!(serde_json::to_string(&p).unwrap(), expected);
        assert_eq!(
            serde_json::from_str::<TransferPayload>(&expected).unwrap(),
            p
        );
    }

    #[test]
    fn approval_canonical_form() {
        let a = sample_approval();
        let expected = format!(
            "{{\"approver_cert_serial\":\"00c0ffee00c0ffee00\",\"created_at\":\"2026-11-29T10:00:00Z\",\
             \"decision\":\"approve\",\"payload_digest\":\"{DIGEST}\",\"transfer_id\":\"{TID}\",\
             \"type\":\"pqbank.approval.v1\"}}"
        );
        assert_eq!(a.canonical_json(), expected);
        assert_eq!(
            ApprovalPayload::from_canonical_bytes(expected.as_bytes()),
            Ok(a.clone())
        );
        assert_eq!(serde_json::to_string(&a).unwrap(), expected);
        assert!(a.matches(TID.parse().unwrap(), &DIGEST.parse().unwrap()));
        assert!(!a.matches(TID.parse().unwrap(), &PayloadDigest::from_bytes([0; 32])));
        let decision_reject = expected.replace("\"approve\"", "\"reject\"");
        assert!(matches!(
            ApprovalPayload::from_json(decision_reject.as_bytes()),
            Err(PayloadError::InvalidField {
                field: "decision",
                ..
            })
        ));
        let upper_digest = expected.replace(DIGEST, &DIGEST.to_uppercase());
        assert!(matches!(
            ApprovalPayload::from_json(upper_digest.as_bytes()),
            Err(PayloadError::InvalidField {
                field: "payload_digest",
                ..
            })
        ));
        let transfer_type = expected.replace("pqbank.approval.v1", "pqbank.transfer.v1");
        assert_eq!(
            ApprovalPayload::from_json(transfer_type.as_bytes()),
            Err(PayloadError::WrongType {
                expected: APPROVAL_PAYLOAD_TYPE
            })
        );
    }

    /// The approval example in docs/canonical-payloads.md.
    #[test]
    fn documented_approval_example() {
        let a = ApprovalPayload {
            transfer_id: "01936f0e-8c2a-7b3d-9e4f-0123456789a0".parse().unwrap(),
            payload_digest: "01a44914b186a818b5fa2fe8d8098670db2e26687de1bb92ec6874c00b83f8af"
                .parse()
                .unwrap(),
            decision: ApprovalDecision::Approve,
            approver_cert_serial: "5b7e0c2d9a1f4e3b8c6d0a2f4e6b8d0c".parse().unwrap(),
            created_at: "2026-11-29T10:00:00Z".parse().unwrap(),
        };
        assert_eq!(
            a.canonical_json(),
            "{\"approver_cert_serial\":\"5b7e0c2d9a1f4e3b8c6d0a2f4e6b8d0c\",\"created_at\":\"2026-11-29T10:00:00Z\",\
             \"decision\":\"approve\",\"payload_digest\":\"01a44914b186a818b5fa2fe8d8098670db2e26687de1bb92ec6874c00b83f8af\",\
             \"transfer_id\":\"01936f0e-8c2a-7b3d-9e4f-0123456789a0\",\"type\":\"pqbank.approval.v1\"}"
        );
    }

    #[test]
    fn worst_case_size_is_small() {
        let p = TransferPayload {
            amount: TransferAmount::from_minor(TransferAmount::MAX_MINOR, Currency::EUR).unwrap(),
            reference: TransferReference::parse(&"😀".repeat(TransferReference::MAX_LEN)).unwrap(),
            initiator_cert_serial: format!("7f{}", "ff".repeat(19)).parse().unwrap(),
            ..sample()
        };
        assert!(
            p.canonical_bytes().len() < 1024,
            "{}",
            p.canonical_bytes().len()
        );
        let quotes = TransferPayload {
            reference: TransferReference::parse(&"\"".repeat(TransferReference::MAX_LEN)).unwrap(),
            ..p
        };
        assert!(quotes.canonical_bytes().len() < 1024);
    }

    #[test]
    fn non_canonical_layout_parses_but_is_not_canonical() {
        let p = sample();
        let reordered = serde_json::json!({
            "type": "pqbank.transfer.v1",
            "transfer_id": TID, "to_account": TO, "from_account": FROM,
            "amount": "123450", "currency": "EUR",
            "reference": p.reference.as_str(),
            "created_at": "2026-11-29T09:10:00Z",
            "initiator_cert_serial": SERIAL,
        });
        let pretty = serde_json::to_vec_pretty(&reordered).unwrap();
        assert_eq!(TransferPayload::from_json(&pretty), Ok(p.clone()));
        assert_eq!(
            TransferPayload::from_canonical_bytes(&pretty),
            Err(PayloadError::NotCanonical)
        );
        // Escaping a character that JCS writes literally is also non-canonical.
        let escaped = p.canonical_json().replace("Zoë", "Zo\\u00eb");
        assert_eq!(
            TransferPayload::from_json(escaped.as_bytes()),
            Ok(p.clone())
        );
        assert_eq!(
            TransferPayload::from_canonical_bytes(escaped.as_bytes()),
            Err(PayloadError::NotCanonical)
        );
        let with_ws = p.canonical_json().replacen('{', "{ ", 1);
        assert_eq!(
            TransferPayload::from_canonical_bytes(with_ws.as_bytes()),
            Err(PayloadError::NotCanonical)
        );
    }

    #[test]
    fn strict_members() {
        let canonical = sample().canonical_json();
        let cases: Vec<(String, &str)> = vec![
            (
                canonical.replacen(
                    "\"type\":\"pqbank.transfer.v1\"",
                    "\"type\":\"pqbank.transfer.v2\"",
                    1,
                ),
                "type",
            ),
            (canonical.replacen("}", ",\"extra\":\"x\"}", 1), "malformed"),
            (
                canonical.replacen("\"currency\":\"EUR\",", "", 1),
                "malformed",
            ),
            (
                canonical.replacen("\"amount\":\"123450\"", "\"amount\":123450", 1),
                "malformed",
            ),
            (
                canonical.replacen("\"amount\":\"123450\"", "\"amount\":\"0123450\"", 1),
                "amount",
            ),
            (
                canonical.replacen("\"amount\":\"123450\"", "\"amount\":\"1234.50\"", 1),
                "amount",
            ),
            (
                canonical.replacen("\"amount\":\"123450\"", "\"amount\":\"0\"", 1),
                "amount",
            ),
            (
                canonical.replacen("\"amount\":\"123450\"", "\"amount\":\"-5\"", 1),
                "amount",
            ),
            (
                canonical.replacen(
                    "\"amount\":\"123450\"",
                    "\"amount\":\"1000000000000001\"",
                    1,
                ),
                "amount",
            ),
            (
                canonical.replacen("\"currency\":\"EUR\"", "\"currency\":\"eur\"", 1),
                "currency",
            ),
            (
                canonical.replacen("\"currency\":\"EUR\"", "\"currency\":\"XAU\"", 1),
                "currency",
            ),
            (
                canonical.replacen(TID, &TID.to_uppercase(), 1),
                "transfer_id",
            ),
            (
                canonical.replacen(TID, "9b2c7d4e-1f3a-4b5c-8d6e-7f8091a2b3c4", 1),
                "transfer_id",
            ),
            (
                canonical.replacen(FROM, "00000000-0000-0000-0000-000000000000", 1),
                "from_account",
            ),
            (
                canonical.replacen("2026-11-29T09:10:00Z", "2026-11-29T09:10:00.000Z", 1),
                "created_at",
            ),
            (
                canonical.replacen("2026-11-29T09:10:00Z", "2026-11-29T10:10:00+01:00", 1),
                "created_at",
            ),
            (
                canonical.replacen(SERIAL, "3f2a", 1),
                "initiator_cert_serial",
            ),
            (canonical.replacen("Rent", "\\u0000Rent", 1), "reference"),
            (canonical.replacen("Rent", " Rent", 1), "reference"),
        ];
        for (json, expect) in cases {
            let err = TransferPayload::from_json(json.as_bytes()).unwrap_err();
            match (expect, &err) {
                ("type", PayloadError::WrongType { expected }) => {
                    assert_eq!(*expected, TRANSFER_PAYLOAD_TYPE)
                }
                ("malformed", PayloadError::Malformed(_)) => {}
                (f, PayloadError::InvalidField { field, .. }) => assert_eq!(*field, f, "{json}"),
                _ => panic!("{json}: expected {expect}, got {err:?}"),
            }
        }
        // Duplicate member.
        let dup = canonical.replacen("{", "{\"amount\":\"1\",", 1);
        assert!(matches!(
            TransferPayload::from_json(dup.as_bytes()),
            Err(PayloadError::Malformed(_))
        ));
        for bad in [
            "",
            "[]",
            "null",
            "\"x\"",
            "{}",
            "{\"type\":\"pqbank.transfer.v1\"}",
        ] {
            assert!(
                matches!(
                    TransferPayload::from_json(bad.as_bytes()),
                    Err(PayloadError::Malformed(_))
                ),
                "{bad}"
            );
        }
        let huge = vec![b' '; MAX_PAYLOAD_JSON_BYTES + 1];
        assert_eq!(
            TransferPayload::from_json(&huge),
            Err(PayloadError::TooLarge {
                max: MAX_PAYLOAD_JSON_BYTES
            })
        );
        assert_eq!(
            ApprovalPayload::from_json(&huge),
            Err(PayloadError::TooLarge {
                max: MAX_PAYLOAD_JSON_BYTES
            })
        );
        assert!(matches!(
            TransferPayload::from_json(&[0xff, 0xfe]),
            Err(PayloadError::Malformed(_))
        ));
    }

    #[test]
    fn references() {
        assert_eq!(TransferReference::parse("").unwrap().as_str(), "");
        assert_eq!(TransferReference::default().as_str(), "");
        assert!(TransferReference::parse(&"🚀".repeat(140)).is_ok());
        assert!(TransferReference::parse(&"a".repeat(141)).is_err());
        for bad in [
            "a\nb",
            "a\u{7f}",
            "\u{202e}abc",
            "abc ",
            " abc",
            "a\u{2028}b",
            "\u{feff}x",
        ] {
            assert!(TransferReference::parse(bad).is_err(), "{bad:?}");
        }
        assert!(TransferReference::parse("Invoice #42 / \"Q4\" <b>&amp;</b> 'x' \\ 50%").is_ok());
    }

    #[test]
    fn digests() {
        let d: PayloadDigest = DIGEST.parse().unwrap();
        assert_eq!(d.to_string(), DIGEST);
        assert_eq!(format!("{d:?}"), format!("PayloadDigest({DIGEST})"));
        assert_eq!(PayloadDigest::from_bytes(*d.as_bytes()), d);
        for bad in [
            &DIGEST[..62],
            &DIGEST.to_uppercase(),
            &format!("{DIGEST}00"),
            &DIGEST.replace('9', "g"),
        ] {
            assert_eq!(bad.parse::<PayloadDigest>(), Err(DigestError), "{bad}");
        }
    }

    fn reference() -> impl Strategy<Value = TransferReference> {
        "\\PC{0,140}".prop_filter_map("invalid reference", |s| TransferReference::parse(&s).ok())
    }

    prop_compose! {
        fn payload()(
            t in any::<u64>(), r in any::<[u8; 10]>(), a in any::<[u8; 10]>(), b in any::<[u8; 10]>(),
            minor in 1..=TransferAmount::MAX_MINOR,
            currency in (0..Currency::all().len()).prop_map(|i| Currency::all().nth(i).unwrap()),
            reference in reference(),
            secs in Timestamp::MIN_UNIX_SECONDS..=Timestamp::MAX_UNIX_SECONDS,
            serial in prop::collection::vec(any::<u8>(), 8..=19),
        ) -> TransferPayload {
            TransferPayload {
                transfer_id: TransferId::new_v7(t, r),
                from_account: AccountId::new_v7(t, a),
                to_account: AccountId::new_v7(t, b),
                amount: TransferAmount::from_minor(minor, currency).unwrap(),
                reference,
                created_at: Timestamp::from_unix_seconds(secs).unwrap(),
                initiator_cert_serial: CertificateSerial::from_unsigned_magnitude(&[&[0x01u8][..], &serial].concat()).unwrap(),
            }
        }
    }

    proptest! {
        #[test]
        fn canonical_bytes_round_trip(p in payload()) {
            let bytes = p.canonical_bytes();
            prop_assert_eq!(TransferPayload::from_canonical_bytes(&bytes), Ok(p.clone()));
            // Valid JSON whose members are exactly the canonical members.
            let parsed: BTreeMap<String, String> = serde_json::from_slice(&bytes).unwrap();
            let members: BTreeMap<String, String> =
                p.canonical_members().into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            prop_assert_eq!(parsed, members);
            prop_assert!(bytes.len() <= MAX_PAYLOAD_JSON_BYTES);
        }

        #[test]
        fn parsing_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
            let _ = TransferPayload::from_json(&bytes);
            let _ = ApprovalPayload::from_canonical_bytes(&bytes);
        }
    }
}
