//! The audit API as its users see it: anyone fetches the audit key and verifies a checkpoint's
//! signature with it; a customer lists their own audit events and verifies the inclusion proof
//! of one against the signed checkpoint, without seeing anyone else's events.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use pqbank_audit::{Hash, leaf_hash, open_checkpoint, verify_inclusion};
use pqbank_crypto::{SignatureAlgorithm, VerifyingKey};
use pqbank_server::testkit::spawn_app;
use pqbank_service::audit::CheckpointKey;
use reqwest::Method;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_verify_proofs_of_their_own_events_with_the_published_key() {
    let app = spawn_app().await;
    let api = app.api();
    let (_, alice) = app.customer("alice").await;
    let (_, bob) = app.customer("bob").await;

    // The key is public.
    let key: Value = app
        .client
        .get(app.url("/api/v1/audit/key"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let alg = SignatureAlgorithm::from_id(key["algorithm"].as_str().unwrap()).unwrap();
    let public = VerifyingKey::from_raw(
        alg,
        &B64.decode(key["public_key"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    let verifier = CheckpointKey::new(key["origin"].as_str().unwrap(), public);
    assert!(
        key["certificate_pem"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );

    // Alice's own events: registration, device, certificate, login.
    let resp = api
        .send(&alice, Method::GET, "/api/v1/me/audit?limit=50", None)
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mine: Vec<Value> = resp.json().await.unwrap();
    assert!(mine.len() >= 2, "{mine:?}");
    for e in &mine {
        let leaf: Value = serde_json::from_str(e["leaf"].as_str().unwrap()).unwrap();
        assert_eq!(leaf["actor"]["user_id"], alice.user_id.as_str(), "{leaf}");
    }
    let entry = mine.last().unwrap();
    let index = entry["index"].as_u64().unwrap();

    // A checkpoint covering it, its signature checked with the published key.
    app.bank.create_checkpoint().await.unwrap();
    let resp = api
        .send(&alice, Method::GET, "/api/v1/audit/checkpoint", None)
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let cp: Value = resp.json().await.unwrap();
    let checkpoint = open_checkpoint(cp["note"].as_str().unwrap(), &verifier).unwrap();
    assert!(checkpoint.size() > index);
    // It is in the history, and every checkpoint there verifies with the published key.
    let resp = api
        .send(
            &alice,
            Method::GET,
            "/api/v1/audit/checkpoints?limit=200",
            None,
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let history: Vec<Value> = resp.json().await.unwrap();
    assert_eq!(history.last().unwrap()["size"], cp["size"]);
    for c in &history {
        open_checkpoint(c["note"].as_str().unwrap(), &verifier).unwrap();
    }

    let resp = api
        .send(
            &alice,
            Method::GET,
            &format!(
                "/api/v1/me/audit/proof?index={index}&tree_size={}",
                checkpoint.size()
            ),
            None,
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let proof: Value = resp.json().await.unwrap();
    let leaf = leaf_hash(entry["leaf"].as_str().unwrap().as_bytes());
    assert_eq!(hex_of(&leaf), proof["leaf_hash"].as_str().unwrap());
    let hashes: Vec<Hash> = proof["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| Hash::from_hex(h.as_str().unwrap()).unwrap())
        .collect();
    verify_inclusion(&leaf, index, checkpoint.size(), &hashes, checkpoint.root()).unwrap();
    // An altered leaf does not verify.
    let mut forged = entry["leaf"].as_str().unwrap().as_bytes().to_vec();
    forged[10] ^= 1;
    assert!(
        verify_inclusion(
            &leaf_hash(&forged),
            index,
            checkpoint.size(),
            &hashes,
            checkpoint.root()
        )
        .is_err()
    );

    // Bob cannot fetch a proof of alice's event, nor read the whole log.
    let resp = api
        .send(
            &bob,
            Method::GET,
            &format!(
                "/api/v1/me/audit/proof?index={index}&tree_size={}",
                checkpoint.size()
            ),
            None,
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let resp = api
        .send(
            &bob,
            Method::GET,
            "/api/v1/audit/entries?start=0&end=5",
            None,
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    app.stop().await;
}

fn hex_of(h: &Hash) -> String {
    h.0.iter().map(|b| format!("{b:02x}")).collect()
}
