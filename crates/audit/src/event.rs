//! The audit event model and its canonical (RFC 8785) serialisation, the Merkle leaf.
//!
//! Every string field is a validated newtype, so any value of [`AuditEvent`] that fits the
//! size limits has exactly one canonical encoding, [`AuditEvent::leaf_bytes`], and
//! [`AuditEvent::from_leaf_bytes`] accepts only that encoding (it re-serialises the parsed
//! value and compares bytes). Absent optional fields are omitted, never `null`.
//!
//! `details` must hold non-personal data only (identifiers, amounts, reason codes): the log
//! is append-only, so personal data written here could never be erased.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::canonical::{MAX_SAFE_INTEGER, write_string};
use crate::hash::{Hash, leaf_hash};
use crate::timestamp::Timestamp;

/// Largest canonical encoding of one event, in bytes.
pub const MAX_EVENT_BYTES: usize = 16 * 1024;
/// Largest event index: 2^53 - 1, the largest integer exact in every JSON reader.
pub const MAX_INDEX: u64 = MAX_SAFE_INTEGER;
/// Longest [`Token`], in bytes.
pub const MAX_TOKEN_LEN: usize = 128;
/// Longest [`Action`], in bytes.
pub const MAX_ACTION_LEN: usize = 64;
/// Most roles in an [`Actor`].
pub const MAX_ROLES: usize = 16;
/// Most entries in [`AuditEvent::details`].
pub const MAX_DETAILS: usize = 32;
/// Longest [`DetailKey`], in bytes.
pub const MAX_DETAIL_KEY_LEN: usize = 64;
/// Longest [`DetailValue`], in bytes.
pub const MAX_DETAIL_VALUE_LEN: usize = 1024;
/// Longest client signature in [`SignedPayload`], in bytes (before base64).
pub const MAX_SIGNATURE_LEN: usize = 8 * 1024;

/// Why an event or one of its fields was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// A field value is malformed.
    #[error("invalid {field}: {reason}")]
    InvalidField {
        /// Field kind.
        field: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// The canonical encoding exceeds [`MAX_EVENT_BYTES`].
    #[error("event is {len} bytes, more than the {MAX_EVENT_BYTES}-byte limit")]
    TooLarge {
        /// Encoded length.
        len: usize,
    },
    /// The index exceeds [`MAX_INDEX`].
    #[error("event index exceeds 2^53 - 1")]
    IndexOutOfRange,
    /// More than [`MAX_ROLES`] roles.
    #[error("more than {MAX_ROLES} roles")]
    TooManyRoles,
    /// More than [`MAX_DETAILS`] details.
    #[error("more than {MAX_DETAILS} details")]
    TooManyDetails,
    /// The bytes are not JSON of the event structure.
    #[error("malformed event JSON: {0}")]
    Json(String),
    /// The bytes are a valid event but not its canonical encoding.
    #[error("event is not in canonical RFC 8785 form")]
    NotCanonical,
}

fn invalid(field: &'static str, reason: &'static str) -> EventError {
    EventError::InvalidField { field, reason }
}

/// An identifier-like string: 1 to [`MAX_TOKEN_LEN`] ASCII characters from
/// `A-Z a-z 0-9 . _ : @ / + = -` (user ids, role names, serials, resource ids, codes).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Token(String);

impl Token {
    /// Validates a token.
    pub fn new(value: impl Into<String>) -> Result<Self, EventError> {
        let value = value.into();
        if value.is_empty() || value.len() > MAX_TOKEN_LEN {
            return Err(invalid("token", "length must be 1 to 128 bytes"));
        }
        let allowed = |b: u8| b.is_ascii_alphanumeric() || b"._:@/+=-".contains(&b);
        if !value.bytes().all(allowed) {
            return Err(invalid(
                "token",
                "allowed characters are A-Z a-z 0-9 . _ : @ / + = -",
            ));
        }
        Ok(Self(value))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A stable dotted action name such as `auth.login`: 2 or more segments of `a-z 0-9 _`,
/// each starting with a letter, at most [`MAX_ACTION_LEN`] bytes. See [`crate::actions`].
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Action(Cow<'static, str>);

impl Action {
    /// Validates an action name.
    pub fn new(value: impl Into<String>) -> Result<Self, EventError> {
        let value = value.into();
        if !is_valid_action(&value) {
            return Err(invalid(
                "action",
                "expected dotted lowercase name like auth.login",
            ));
        }
        Ok(Self(Cow::Owned(value)))
    }

    /// A name from [`crate::actions`]; validity is checked by that module's tests.
    pub(crate) const fn known(value: &'static str) -> Self {
        Self(Cow::Borrowed(value))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub(crate) fn is_valid_action(value: &str) -> bool {
    value.len() <= MAX_ACTION_LEN
        && value.split('.').count() >= 2
        && value.split('.').all(|seg| {
            seg.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
}

/// A key of [`AuditEvent::details`]: 1 to [`MAX_DETAIL_KEY_LEN`] bytes of
/// `a-z 0-9 _ . -`, starting with a letter or digit.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DetailKey(String);

impl DetailKey {
    /// Validates a detail key.
    pub fn new(value: impl Into<String>) -> Result<Self, EventError> {
        let value = value.into();
        let ok = !value.is_empty()
            && value.len() <= MAX_DETAIL_KEY_LEN
            && value
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b));
        if !ok {
            return Err(invalid(
                "detail key",
                "expected 1-64 bytes of a-z 0-9 _ . -",
            ));
        }
        Ok(Self(value))
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A value of [`AuditEvent::details`]: up to [`MAX_DETAIL_VALUE_LEN`] bytes of text
/// without control characters. Must not contain personal data.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DetailValue(String);

impl DetailValue {
    /// Validates a detail value.
    pub fn new(value: impl Into<String>) -> Result<Self, EventError> {
        let value = value.into();
        if value.len() > MAX_DETAIL_VALUE_LEN {
            return Err(invalid("detail value", "longer than 1024 bytes"));
        }
        if value.chars().any(char::is_control) {
            return Err(invalid("detail value", "contains control characters"));
        }
        Ok(Self(value))
    }

    /// The value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! string_newtype_impls {
    ($($t:ty),*) => {$(
        impl TryFrom<String> for $t {
            type Error = EventError;
            fn try_from(value: String) -> Result<Self, EventError> {
                Self::new(value)
            }
        }
        impl From<$t> for String {
            fn from(value: $t) -> String {
                value.0.into()
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&*self.0, f)
            }
        }
        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    )*};
}
string_newtype_impls!(Token, Action, DetailKey, DetailValue);

/// Who performed the action.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    /// The authenticated user, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Token>,
    /// The user's roles at the time (at most [`MAX_ROLES`]).
    pub roles: Vec<Token>,
    /// Serial number (hex) of the device certificate used, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_cert_serial: Option<Token>,
}

/// What the action was applied to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// Resource type, such as `account` or `transfer`.
    pub kind: Token,
    /// Resource identifier.
    pub id: Token,
}

/// Result of the action. JSON: `{"status":"success"}` or
/// `{"status":"failure","code":"..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case", deny_unknown_fields)]
pub enum Outcome {
    /// The action succeeded.
    Success,
    /// The action failed with a stable error code.
    Failure {
        /// Error code.
        code: Token,
    },
}

/// A client signature carried by the event (for example over a transfer request), which
/// the offline verifier can re-check through [`crate::EventSignatureVerifier`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedPayload {
    /// SHA-256 of the signed payload (JSON: lowercase hex).
    #[serde(rename = "payload_sha256_hex", with = "hex_hash")]
    pub payload_sha256: Hash,
    /// The signature (JSON: standard padded base64), 1 to [`MAX_SIGNATURE_LEN`] bytes.
    #[serde(rename = "signature_b64", with = "b64_signature")]
    pub signature: Vec<u8>,
    /// Signature algorithm name.
    pub algorithm: Token,
    /// Serial number (hex) of the signer's certificate.
    pub cert_serial: Token,
}

/// One audit log entry. Its canonical encoding is the Merkle leaf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEvent {
    /// Position in the log, from 0, without gaps (at most [`MAX_INDEX`]).
    pub index: u64,
    /// When the action happened (UTC).
    pub time: Timestamp,
    /// Who did it.
    pub actor: Actor,
    /// What was done.
    pub action: Action,
    /// To what.
    pub resource: Resource,
    /// Result.
    pub outcome: Outcome,
    /// Correlation id of the HTTP request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<Token>,
    /// Client signature over the request, if it was signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed: Option<SignedPayload>,
    /// Non-personal details (at most [`MAX_DETAILS`] entries).
    pub details: BTreeMap<DetailKey, DetailValue>,
}

impl AuditEvent {
    /// An event with no request id, signature or details.
    pub fn new(
        index: u64,
        time: Timestamp,
        actor: Actor,
        action: Action,
        resource: Resource,
        outcome: Outcome,
    ) -> Self {
        Self {
            index,
            time,
            actor,
            action,
            resource,
            outcome,
            request_id: None,
            signed: None,
            details: BTreeMap::new(),
        }
    }

    /// The canonical RFC 8785 JSON encoding: the Merkle leaf.
    pub fn leaf_bytes(&self) -> Result<Vec<u8>, EventError> {
        if self.index > MAX_INDEX {
            return Err(EventError::IndexOutOfRange);
        }
        if self.actor.roles.len() > MAX_ROLES {
            return Err(EventError::TooManyRoles);
        }
        if self.details.len() > MAX_DETAILS {
            return Err(EventError::TooManyDetails);
        }
        let text = self.canonical_json();
        if text.len() > MAX_EVENT_BYTES {
            return Err(EventError::TooLarge { len: text.len() });
        }
        Ok(text.into_bytes())
    }

    /// RFC 8785 encoding written directly: members in sorted order (all member names are
    /// ASCII, so byte order equals the UTF-16 order RFC 8785 prescribes; detail keys are
    /// ASCII by construction). Tests check it against the generic
    /// [`crate::canonical::to_canonical_json`] of the serde representation.
    fn canonical_json(&self) -> String {
        let mut out = String::with_capacity(512);
        let mut o = Obj::new(&mut out);
        o.key("action").string(self.action.as_str());
        o.key("actor");
        {
            let actor = &self.actor;
            let mut a = Obj::new(o.out);
            if let Some(serial) = &actor.device_cert_serial {
                a.key("device_cert_serial").string(serial.as_str());
            }
            a.key("roles");
            a.out.push('[');
            for (i, role) in actor.roles.iter().enumerate() {
                if i > 0 {
                    a.out.push(',');
                }
                write_string(role.as_str(), a.out);
            }
            a.out.push(']');
            if let Some(user) = &actor.user_id {
                a.key("user_id").string(user.as_str());
            }
            a.end();
        }
        o.key("details");
        {
            let mut d = Obj::new(o.out);
            for (k, v) in &self.details {
                d.key(k.as_str()).string(v.as_str());
            }
            d.end();
        }
        o.key("index");
        o.out.push_str(&self.index.to_string());
        o.key("outcome");
        {
            let mut oc = Obj::new(o.out);
            match &self.outcome {
                Outcome::Success => {
                    oc.key("status").string("success");
                }
                Outcome::Failure { code } => {
                    oc.key("code").string(code.as_str());
                    oc.key("status").string("failure");
                }
            }
            oc.end();
        }
        if let Some(request_id) = &self.request_id {
            o.key("request_id").string(request_id.as_str());
        }
        o.key("resource");
        {
            let mut r = Obj::new(o.out);
            r.key("id").string(self.resource.id.as_str());
            r.key("kind").string(self.resource.kind.as_str());
            r.end();
        }
        if let Some(signed) = &self.signed {
            o.key("signed");
            let mut sg = Obj::new(o.out);
            sg.key("algorithm").string(signed.algorithm.as_str());
            sg.key("cert_serial").string(signed.cert_serial.as_str());
            sg.key("payload_sha256_hex")
                .string(&signed.payload_sha256.to_hex());
            sg.key("signature_b64")
                .string(&STANDARD.encode(&signed.signature));
            sg.end();
        }
        o.key("time").string(&self.time.to_string());
        o.end();
        out
    }

    /// The RFC 9162 leaf hash of [`AuditEvent::leaf_bytes`].
    pub fn leaf_hash(&self) -> Result<Hash, EventError> {
        Ok(leaf_hash(&self.leaf_bytes()?))
    }

    /// Parses a canonical encoding; anything else (whitespace, other key order, escapes,
    /// `null`s, unknown fields, duplicates) is rejected.
    pub fn from_leaf_bytes(bytes: &[u8]) -> Result<Self, EventError> {
        if bytes.len() > MAX_EVENT_BYTES {
            return Err(EventError::TooLarge { len: bytes.len() });
        }
        let event: Self =
            serde_json::from_slice(bytes).map_err(|e| EventError::Json(e.to_string()))?;
        if event.leaf_bytes()? != bytes {
            return Err(EventError::NotCanonical);
        }
        Ok(event)
    }
}

/// Writes one JSON object; callers add members in RFC 8785 order.
struct Obj<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Obj<'a> {
    fn new(out: &'a mut String) -> Self {
        out.push('{');
        Self { out, first: true }
    }

    fn key(&mut self, name: &str) -> &mut Self {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        write_string(name, self.out);
        self.out.push(':');
        self
    }

    fn string(&mut self, value: &str) {
        write_string(value, self.out);
    }

    fn end(self) {
        self.out.push('}');
    }
}

mod hex_hash {
    use super::Hash;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(hash: &Hash, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hash.to_hex())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Hash, D::Error> {
        let text = String::deserialize(d)?;
        Hash::from_hex(&text).map_err(serde::de::Error::custom)
    }
}

mod b64_signature {
    use super::{MAX_SIGNATURE_LEN, STANDARD};
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(sig: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(sig))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        if text.len() > MAX_SIGNATURE_LEN.div_ceil(3) * 4 {
            return Err(serde::de::Error::custom("signature too long"));
        }
        let sig = STANDARD.decode(text).map_err(serde::de::Error::custom)?;
        if sig.is_empty() || sig.len() > MAX_SIGNATURE_LEN {
            return Err(serde::de::Error::custom("signature length out of range"));
        }
        Ok(sig)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions;

    fn sample() -> AuditEvent {
        let mut e = AuditEvent::new(
            7,
            Timestamp::parse("2026-11-29T09:10:00.000001Z").unwrap(),
            Actor {
                user_id: Some(Token::new("u-42").unwrap()),
                roles: vec![Token::new("teller").unwrap()],
                device_cert_serial: Some(Token::new("0a1b2c").unwrap()),
            },
            actions::TRANSFER_CREATE,
            Resource {
                kind: Token::new("transfer").unwrap(),
                id: Token::new("tr-1").unwrap(),
            },
            Outcome::Failure {
                code: Token::new("insufficient_funds").unwrap(),
            },
        );
        e.request_id = Some(Token::new("req-9").unwrap());
        e.signed = Some(SignedPayload {
            payload_sha256: crate::hash::sha256_bytes(b"payload"),
            signature: vec![1, 2, 3],
            algorithm: Token::new("mldsa65-ed25519").unwrap(),
            cert_serial: Token::new("0a1b2c").unwrap(),
        });
        e.details.insert(
            DetailKey::new("amount_minor").unwrap(),
            DetailValue::new("12500 EUR \"quoted\" \u{e9}").unwrap(),
        );
        e
    }

    #[test]
    fn canonical_encoding_known_answer() {
        let bytes = sample().leaf_bytes().unwrap();
        let text = std::str::from_utf8(&bytes).unwrap();
        assert_eq!(
            text,
            concat!(
                r#"{"action":"transfer.create","actor":{"device_cert_serial":"0a1b2c","#,
                r#""roles":["teller"],"user_id":"u-42"},"details":{"amount_minor":"#,
                r#""12500 EUR \"quoted\" é"},"index":7,"outcome":{"code":"insufficient_funds","#,
                r#""status":"failure"},"request_id":"req-9","resource":{"id":"tr-1","#,
                r#""kind":"transfer"},"signed":{"algorithm":"mldsa65-ed25519","#,
                r#""cert_serial":"0a1b2c","payload_sha256_hex":"#,
                r#""239f59ed55e737c77147cf55ad0c1b030b6d7ee748a7426952f9b852d5a935e5","#,
                r#""signature_b64":"AQID"},"time":"2026-11-29T09:10:00.000001Z"}"#
            )
        );
        assert_eq!(AuditEvent::from_leaf_bytes(&bytes).unwrap(), sample());
    }

    #[test]
    fn minimal_event_omits_absent_fields() {
        let e = AuditEvent::new(
            0,
            Timestamp::from_unix_micros(0).unwrap(),
            Actor::default(),
            actions::AUTH_LOGOUT,
            Resource {
                kind: Token::new("session").unwrap(),
                id: Token::new("s1").unwrap(),
            },
            Outcome::Success,
        );
        let bytes = e.leaf_bytes().unwrap();
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            concat!(
                r#"{"action":"auth.logout","actor":{"roles":[]},"details":{},"index":0,"#,
                r#""outcome":{"status":"success"},"resource":{"id":"s1","kind":"session"},"#,
                r#""time":"1970-01-01T00:00:00.000000Z"}"#
            )
        );
        assert_eq!(AuditEvent::from_leaf_bytes(&bytes).unwrap(), e);
    }

    #[test]
    fn strict_parsing_rejects_non_canonical_input() {
        let text = String::from_utf8(sample().leaf_bytes().unwrap()).unwrap();
        let variants = [
            format!(" {text}"),
            format!("{text}\n"),
            text.replacen("\"index\":7", "\"index\": 7", 1),
            text.replacen("\"index\":7", "\"index\":7.0", 1),
            text.replacen("\"index\":7", "\"index\":07", 1),
            text.replacen("\"request_id\":\"req-9\",", "", 1).replacen(
                "\"outcome\"",
                "\"request_id\":\"req-9\",\"outcome\"",
                1,
            ),
            text.replacen("é", "\\u00e9", 1),
            text.replacen("\"index\":7,", "\"index\":7,\"index\":7,", 1),
            text.replacen("\"index\":7,", "\"index\":7,\"extra\":1,", 1),
            text.replacen("{\"action\"", "{\"actor2\":null,\"action\"", 1),
            text.replacen("\"request_id\":\"req-9\"", "\"request_id\":null", 1),
            text.replacen(
                "\"signature_b64\":\"AQID\"",
                "\"signature_b64\":\"AQIE\"",
                1,
            ),
            text.replacen("\"signature_b64\":\"AQID\"", "\"signature_b64\":\"\"", 1),
            text.replacen("239f59", "239F59", 1),
            text.replacen("transfer.create", "Transfer.create", 1),
        ];
        for v in variants {
            let res = AuditEvent::from_leaf_bytes(v.as_bytes());
            // The one substitution that is merely a different valid value must decode to a
            // different event; all others must fail.
            if v.contains("AQIE") {
                assert_ne!(res.unwrap(), sample());
            } else {
                assert!(res.is_err(), "accepted: {v}");
            }
        }
    }

    #[test]
    fn limits_are_enforced() {
        let mut e = sample();
        for i in 0..MAX_DETAILS {
            e.details.insert(
                DetailKey::new(format!("k{i}")).unwrap(),
                DetailValue::new("x".repeat(MAX_DETAIL_VALUE_LEN)).unwrap(),
            );
        }
        assert!(matches!(
            e.leaf_bytes(),
            Err(EventError::TooManyDetails | EventError::TooLarge { .. })
        ));
        e.details.clear();
        for i in 0..20 {
            e.details.insert(
                DetailKey::new(format!("k{i}")).unwrap(),
                DetailValue::new("x".repeat(MAX_DETAIL_VALUE_LEN)).unwrap(),
            );
        }
        assert!(matches!(e.leaf_bytes(), Err(EventError::TooLarge { .. })));
        let mut e = sample();
        e.index = MAX_INDEX + 1;
        assert_eq!(e.leaf_bytes(), Err(EventError::IndexOutOfRange));
        let mut e = sample();
        e.actor.roles = vec![Token::new("r").unwrap(); MAX_ROLES + 1];
        assert_eq!(e.leaf_bytes(), Err(EventError::TooManyRoles));
        assert!(AuditEvent::from_leaf_bytes(&vec![b' '; MAX_EVENT_BYTES + 1]).is_err());
    }

    #[test]
    fn newtypes_validate() {
        assert!(Token::new("").is_err());
        assert!(Token::new("a b").is_err());
        assert!(Token::new("a\"b").is_err());
        assert!(Token::new("x".repeat(MAX_TOKEN_LEN + 1)).is_err());
        assert!(Token::new("user@example/1:a+b=c-d_e.f").is_ok());
        assert!(Action::new("auth").is_err());
        assert!(Action::new("auth.").is_err());
        assert!(Action::new("Auth.login").is_err());
        assert!(Action::new("auth.1login").is_err());
        assert!(Action::new("auth.login_failed").is_ok());
        assert!(DetailKey::new("_x").is_err());
        assert!(DetailKey::new("Amount").is_err());
        assert!(DetailValue::new("a\nb").is_err());
        assert!(DetailValue::new("a\u{7f}").is_err());
        assert!(DetailValue::new("").is_ok());
    }
}
