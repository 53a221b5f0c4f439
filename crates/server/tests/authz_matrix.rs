//! The route x role matrix, generated from the router's own route table (the OpenAPI document
//! the router is built from): every route must have an access rule naming a Cedar action the
//! schema knows, and every route answers anonymous callers and each of the five roles with the
//! expected decision. Also IDOR checks: customers cannot see or touch each other's objects.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::collections::BTreeSet;

use pqbank_server::authn::{Access, access_for};
use pqbank_server::testkit::spawn_app;
use pqbank_service::authz::authz;
use reqwest::Method;
use serde_json::json;

/// Roles allowed at route level, per action (the expectation the policies must meet).
fn expected(action: &str) -> &'static [&'static str] {
    const ALL: &[&str] = &["customer", "clerk", "manager", "auditor", "admin"];
    match action {
        "auth.logout" | "session.whoami" | "password.change" | "session.list"
        | "session.revoke" | "device.list" | "device.add" | "device.remove"
        | "certificate.list" | "certificate.read" | "certificate.renew" | "certificate.revoke" => {
            ALL
        }
        "user.list" | "user.read" => &["clerk", "manager", "auditor", "admin"],
        "user.create" | "user.roles" | "user.disable" | "user.enable" => &["admin"],
        "customer.onboard" | "user.reset" => &["clerk", "admin"],
        "security_event.list" | "audit.read" => &["auditor", "admin"],
        "account.read" | "account.open" | "transfer.read" => &["customer", "clerk", "manager"],
        "account.manage" | "transfer.approve" | "transfer.reject" => &["manager"],
        "cash.deposit" | "cash.withdraw" => &["clerk"],
        "transfer.create" => &["customer"],
        "report.read" => &["manager", "auditor"],
        "settings.write" => &["admin"],
        other => panic!("no expectation for action {other}: add it to this test"),
    }
}

fn routes() -> Vec<(Method, String)> {
    let doc = pqbank_server::app::openapi();
    let mut out = Vec::new();
    for (path, item) in &doc.paths.paths {
        let ops = [
            (Method::GET, item.get.is_some()),
            (Method::POST, item.post.is_some()),
            (Method::PUT, item.put.is_some()),
            (Method::DELETE, item.delete.is_some()),
            (Method::PATCH, item.patch.is_some()),
        ];
        for (m, present) in ops {
            if present {
                out.push((m, path.clone()));
            }
        }
    }
    // Logging out ends the caller's session: test it last.
    out.sort_by_key(|(m, p)| (p.ends_with("/logout"), p.clone(), m.to_string()));
    out
}

#[test]
fn every_route_has_a_policy_decision() {
    let engine = authz().unwrap();
    let routes = routes();
    assert!(routes.len() > 20, "route table looks empty: {routes:?}");
    let mut missing = Vec::new();
    for (m, p) in &routes {
        match access_for(m, p) {
            None => missing.push(format!("{m} {p}")),
            Some(Access::Action(a)) => {
                assert!(
                    engine.knows(a),
                    "{m} {p}: action {a} not in the Cedar schema"
                );
                expected(a);
            }
            Some(Access::Public) => {}
        }
    }
    assert!(
        missing.is_empty(),
        "routes without an access rule: {missing:?}"
    );
}

#[tokio::test]
async fn route_role_matrix() {
    let app = spawn_app().await;
    let api = app.api();
    let (_, victim) = app.customer("victim").await;
    let victim_id = victim.user_id.clone();
    let mut sessions = vec![("customer", app.customer("cust").await.1)];
    sessions.push(("clerk", app.staff("clerk", &["clerk"], Some("HQ")).await.1));
    sessions.push((
        "manager",
        app.staff("mgr", &["manager"], Some("HQ")).await.1,
    ));
    sessions.push(("auditor", app.staff("aud", &["auditor"], None).await.1));
    sessions.push(("admin", app.admin().await));

    let mut failures = Vec::new();
    let mut checked = BTreeSet::new();
    for (method, template) in routes() {
        let path = template
            .replace("{user_id}", &victim_id)
            .replace("{device_id}", "0190a0b0-0000-7000-8000-000000000000")
            .replace("{session_id}", "00000000000000000000000000000000")
            .replace("{serial}", "0a0b0c0d")
            .replace("{event_id}", "999999")
            .replace("{account_id}", "0190a0b0-0000-7000-8000-000000000001")
            .replace("{transfer_id}", "0190a0b0-0000-7000-8000-000000000002");
        let body = matches!(method, Method::POST | Method::PUT).then(|| json!({}));
        let access = access_for(&method, &template).unwrap();

        // Anonymous.
        let mut req = app.client.request(method.clone(), app.url(&path));
        if let Some(b) = &body {
            req = req.json(b);
        }
        let status = req.send().await.unwrap().status().as_u16();
        match access {
            Access::Public if status == 401 || status == 403 => {
                failures.push(format!("anonymous {method} {template}: {status}"));
            }
            Access::Action(_) if status != 401 => {
                failures.push(format!("anonymous {method} {template}: {status}, want 401"));
            }
            _ => {}
        }
        let Access::Action(action) = access else {
            continue;
        };
        for (role, session) in &sessions {
            let resp = api
                .send(session, method.clone(), &path, body.as_ref())
                .await
                .unwrap();
            let status = resp.status().as_u16();
            // Only problems have a body worth reading (the event stream never ends).
            let code = if resp.status().is_success() {
                String::new()
            } else {
                resp.json::<serde_json::Value>()
                    .await
                    .ok()
                    .and_then(|v| v["code"].as_str().map(str::to_owned))
                    .unwrap_or_default()
            };
            let allowed = expected(action).contains(role);
            let denied_by_policy = status == 403 && code == "forbidden";
            if allowed && (status == 401 || denied_by_policy) {
                failures.push(format!(
                    "{role} {method} {template}: {status} {code}, want allowed"
                ));
            }
            if !allowed && !denied_by_policy {
                failures.push(format!(
                    "{role} {method} {template}: {status} {code}, want 403 forbidden"
                ));
            }
            checked.insert(format!("{role} {method} {template}"));
        }
    }
    assert!(
        failures.is_empty(),
        "matrix failures:\n{}",
        failures.join("\n")
    );
    assert!(checked.len() >= 5 * 15, "only {} checks", checked.len());
    app.stop().await;
}

#[tokio::test]
async fn customers_cannot_reach_each_others_objects() {
    let app = spawn_app().await;
    let api = app.api();
    let (mallory_dev, mallory) = app.customer("mallory").await;
    let (bob_dev, bob) = app.customer("bobby").await;
    let bob_id = bob.user_id.clone();
    let bob_device = bob_dev.device_id.clone().unwrap();
    let probes = [
        (Method::GET, format!("/api/v1/users/{bob_id}")),
        (Method::GET, format!("/api/v1/users/{bob_id}/devices")),
        (Method::GET, format!("/api/v1/users/{bob_id}/sessions")),
        (Method::DELETE, format!("/api/v1/devices/{bob_device}")),
        (
            Method::DELETE,
            format!("/api/v1/users/{bob_id}/sessions/{}", bob.session_id),
        ),
    ];
    for (m, p) in probes {
        let resp = api.send(&mallory, m.clone(), &p, None).await.unwrap();
        let status = resp.status().as_u16();
        // user.read is a staff action: 403 for customers at route level; the rest 404.
        assert!(status == 404 || status == 403, "{m} {p}: {status}");
        if p.contains("devices") || p.contains("sessions") {
            assert_eq!(status, 404, "{m} {p}");
        }
    }
    // A missing object answers exactly like another user's.
    let resp = api
        .send(
            &mallory,
            Method::GET,
            "/api/v1/users/0190a0b0-0000-4000-8000-0000000000ff/devices",
            None,
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    // A malformed id is refused for its form alone, before anything is looked up.
    let resp = api
        .send(
            &mallory,
            Method::GET,
            "/api/v1/users/no-such-user/devices",
            None,
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let problem: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(problem["code"], "invalid_id");
    // Bob is untouched: his session and device still work.
    assert_eq!(api.whoami(&bob).await.unwrap().user.username, "bobby");
    drop(mallory_dev);
    app.stop().await;
}

#[tokio::test]
async fn head_and_unknown_methods_are_not_a_way_around() {
    let app = spawn_app().await;
    // HEAD of a protected GET route needs a session like GET.
    let r = app.client.head(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // A method the route does not have: 405, never the handler.
    let r = app
        .client
        .patch(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    app.stop().await;
}
