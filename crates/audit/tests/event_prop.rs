//! Property tests of the event encoding: the direct canonical writer agrees with the
//! generic RFC 8785 writer, and encodings round-trip strictly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pqbank_audit::canonical::to_canonical_json;
use pqbank_audit::{
    Actor, AuditEvent, DetailKey, DetailValue, Hash, Outcome, Resource, SignedPayload, Timestamp,
    Token, actions,
};
use proptest::prelude::*;

fn token() -> impl Strategy<Value = Token> {
    "[A-Za-z0-9._:@/+=-]{1,40}".prop_map(|s| Token::new(s).unwrap())
}

fn detail_value() -> impl Strategy<Value = DetailValue> {
    proptest::collection::vec(
        prop_oneof![
            Just('"'),
            Just('\\'),
            Just('/'),
            Just('\u{e9}'),
            Just('\u{20ac}'),
            Just('\u{1f600}'),
            Just('\u{2028}'),
            Just('\u{fb33}'),
            proptest::char::range(' ', '~'),
        ],
        0..60,
    )
    .prop_map(|chars| DetailValue::new(chars.into_iter().collect::<String>()).unwrap())
}

fn event() -> impl Strategy<Value = AuditEvent> {
    (
        (
            0u64..=pqbank_audit::event::MAX_INDEX,
            -62_135_596_800_000_000i64..253_402_300_799_999_999,
            proptest::option::of(token()),
            proptest::collection::vec(token(), 0..4),
            proptest::option::of(token()),
            0usize..actions::ALL.len(),
        ),
        (
            token(),
            token(),
            proptest::option::of(token()),
            proptest::option::of(token()),
            proptest::option::of((
                any::<[u8; 32]>(),
                proptest::collection::vec(any::<u8>(), 1..80),
            )),
            proptest::collection::btree_map("[a-z0-9][a-z0-9_.-]{0,20}", detail_value(), 0..6),
        ),
    )
        .prop_map(
            |(
                (index, micros, user, roles, serial, action),
                (kind, id, code, request, signed, details),
            )| {
                let mut e = AuditEvent::new(
                    index,
                    Timestamp::from_unix_micros(micros).unwrap(),
                    Actor {
                        user_id: user,
                        roles,
                        device_cert_serial: serial,
                    },
                    actions::ALL[action].clone(),
                    Resource { kind, id },
                    match code {
                        Some(code) => Outcome::Failure { code },
                        None => Outcome::Success,
                    },
                );
                e.request_id = request;
                e.signed = signed.map(|(hash, signature)| SignedPayload {
                    payload_sha256: Hash(hash),
                    signature,
                    algorithm: Token::new("mldsa65-ed25519").unwrap(),
                    cert_serial: Token::new("7f").unwrap(),
                });
                e.details = details
                    .into_iter()
                    .map(|(k, v)| (DetailKey::new(k).unwrap(), v))
                    .collect();
                e
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn direct_writer_matches_generic_rfc8785(e in event()) {
        let bytes = e.leaf_bytes().unwrap();
        let reference = to_canonical_json(&serde_json::to_value(&e).unwrap()).unwrap();
        prop_assert_eq!(std::str::from_utf8(&bytes).unwrap(), reference.as_str());
        prop_assert_eq!(AuditEvent::from_leaf_bytes(&bytes).unwrap(), e);
    }

    #[test]
    fn pretty_or_reordered_encodings_are_rejected(e in event()) {
        let value = serde_json::to_value(&e).unwrap();
        let pretty = serde_json::to_vec_pretty(&value).unwrap();
        prop_assert!(AuditEvent::from_leaf_bytes(&pretty).is_err());
        // Compact output of a JSON object with reversed member order.
        let obj = value.as_object().unwrap();
        let reversed: Vec<String> = obj
            .iter()
            .rev()
            .map(|(k, v)| format!("{}:{}", serde_json::to_string(k).unwrap(), v))
            .collect();
        let text = format!("{{{}}}", reversed.join(","));
        prop_assert!(AuditEvent::from_leaf_bytes(text.as_bytes()).is_err());
    }
}
