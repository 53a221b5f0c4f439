//! Checks `testdata/transfer-payload-vectors.json` (shared with the web app's tests) against the
//! Rust implementation: building each payload from its input fields must give exactly the
//! recorded canonical text and bytes, and the canonical bytes must parse back to the same payload.
//!
//! To add a case, append its `name` and `input` to the file (any `canonical` / `canonical_hex`)
//! and run with `PQBANK_UPDATE_VECTORS=1` to fill them in; review the diff.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use pqbank_domain::{Currency, TransferAmount, TransferPayload, TransferReference};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    transfer_id: String,
    from_account: String,
    to_account: String,
    amount: String,
    currency: String,
    reference: String,
    created_at: String,
    initiator_cert_serial: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    input: Input,
    canonical: String,
    canonical_hex: String,
}

fn vectors_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/transfer-payload-vectors.json")
}

fn build(input: &Input) -> TransferPayload {
    let currency = Currency::from_code(&input.currency).unwrap();
    TransferPayload {
        transfer_id: input.transfer_id.parse().unwrap(),
        from_account: input.from_account.parse().unwrap(),
        to_account: input.to_account.parse().unwrap(),
        amount: TransferAmount::parse_minor_units(&input.amount, currency).unwrap(),
        reference: TransferReference::parse(&input.reference).unwrap(),
        created_at: input.created_at.parse().unwrap(),
        initiator_cert_serial: input.initiator_cert_serial.parse().unwrap(),
    }
}

#[test]
fn vectors_match_the_implementation() {
    let path = vectors_path();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut cases: Vec<Case> = serde_json::from_str(&text).unwrap();
    assert!(cases.len() >= 10, "expected a meaningful set of vectors");
    let names: BTreeSet<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), cases.len(), "case names must be unique");

    if std::env::var_os("PQBANK_UPDATE_VECTORS").is_some() {
        for case in &mut cases {
            let payload = build(&case.input);
            case.canonical = payload.canonical_json();
            case.canonical_hex = hex::encode(payload.canonical_bytes());
        }
        std::fs::write(&path, serde_json::to_string_pretty(&cases).unwrap() + "\n").unwrap();
        eprintln!("rewrote {}", path.display());
    }

    for case in &cases {
        let payload = build(&case.input);
        assert_eq!(
            payload.canonical_json(),
            case.canonical,
            "{}: canonical",
            case.name
        );
        assert_eq!(
            hex::encode(payload.canonical_bytes()),
            case.canonical_hex,
            "{}: hex",
            case.name
        );
        assert_eq!(
            hex::decode(&case.canonical_hex).unwrap(),
            case.canonical.as_bytes(),
            "{}: hex is the UTF-8 of canonical",
            case.name
        );
        let parsed = TransferPayload::from_canonical_bytes(case.canonical.as_bytes())
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(parsed, payload, "{}: round trip", case.name);
        // The input object plus "type" is the payload as plain JSON (any layout parses).
        let mut obj = serde_json::to_value(&case.input).unwrap();
        obj["type"] = "pqbank.transfer.v1".into();
        let loose = serde_json::to_vec_pretty(&obj).unwrap();
        assert_eq!(
            TransferPayload::from_json(&loose).unwrap(),
            payload,
            "{}: from_json",
            case.name
        );
    }
}

#[test]
fn vectors_cover_the_tricky_cases() {
    let text = std::fs::read_to_string(vectors_path()).unwrap();
    let cases: Vec<Case> = serde_json::from_str(&text).unwrap();
    let refs: Vec<&str> = cases.iter().map(|c| c.input.reference.as_str()).collect();
    let any = |f: &dyn Fn(&str) -> bool| refs.iter().any(|r| f(r));
    assert!(any(&|r| r.is_empty()), "empty reference");
    assert!(
        any(&|r| r.contains('"') && r.contains('\\')),
        "JSON escapes"
    );
    assert!(
        any(&|r| r.chars().any(|c| u32::from(c) > 0xFFFF)),
        "astral code points"
    );
    assert!(
        any(&|r| r.chars().count() == TransferReference::MAX_LEN),
        "maximum length"
    );
    assert!(any(&|r| !r.is_ascii()), "non-ASCII");
    let currencies: BTreeSet<u8> = cases
        .iter()
        .map(|c| {
            Currency::from_code(&c.input.currency)
                .unwrap()
                .minor_units()
        })
        .collect();
    assert_eq!(
        currencies,
        BTreeSet::from([0, 2, 3, 4]),
        "every minor-unit exponent"
    );
}
