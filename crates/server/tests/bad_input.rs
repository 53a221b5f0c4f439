//! Bad input from signed-in callers, on every route of the router's own route table (the
//! OpenAPI document): hostile path parameters, query parameters and JSON bodies, sent by each
//! of the five roles with a valid session and request MAC, so that they pass authentication
//! and reach the handlers and services. Whatever they send, the bank answers below 500, and
//! every refusal is an RFC 9457 problem with a stable code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::collections::BTreeMap;

use pqbank_client::PqbankClient;
use pqbank_client::auth::Session;
use pqbank_server::testkit::{TestApp, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

/// One answer: its status, content type and body.
struct Reply {
    status: u16,
    content_type: String,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    /// An RFC 9457 problem with a stable code.
    fn is_problem(&self) -> bool {
        self.content_type.starts_with("application/problem+json") && self.json()["code"].is_string()
    }

    /// Below 500, and a problem whenever it refuses.
    fn is_acceptable(&self) -> bool {
        self.status < 400 || (self.status < 500 && self.is_problem())
    }
}

/// Sends a signed-in request (with its request MAC) and reads the whole answer.
async fn send(
    api: &PqbankClient,
    who: &Session,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> Reply {
    let resp = api.send(who, method, path, body).await.unwrap();
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = resp.text().await.unwrap_or_default();
    Reply {
        status,
        content_type,
        text,
    }
}

/// A customer, a clerk and a manager of a fresh bank, each signed in.
struct Cast {
    customer: Session,
    clerk: Session,
    manager: Session,
}

async fn cast(app: &TestApp) -> Cast {
    Cast {
        customer: app.customer("castcust").await.1,
        clerk: app.staff("castclerk", &["clerk"], Some("HQ")).await.1,
        manager: app.staff("castmgr", &["manager"], Some("HQ")).await.1,
    }
}

/// The five roles of a fresh bank, each signed in: the cast, an auditor and the admin.
async fn five_roles(app: &TestApp) -> Vec<(&'static str, Session)> {
    let people = cast(app).await;
    vec![
        ("customer", people.customer),
        ("clerk", people.clerk),
        ("manager", people.manager),
        ("auditor", app.staff("castaud", &["auditor"], None).await.1),
        ("admin", app.admin().await),
    ]
}

/// A clerk opens a EUR current account for `owner`; its id.
async fn open_account(api: &PqbankClient, clerk: &Session, owner: &Session) -> String {
    let body = json!({"owner_id": owner.user_id, "kind": "current", "currency": "EUR"});
    let reply = send(api, clerk, Method::POST, "/api/v1/accounts", Some(&body)).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json()["id"].as_str().unwrap().to_owned()
}

/// One operation of the route table: method, path template, query parameter names, and the
/// property names of its JSON body (empty when it takes none).
struct Operation {
    method: Method,
    template: String,
    query: Vec<String>,
    body: Option<Vec<String>>,
}

/// Resolves a `$ref` to a component schema of `doc`.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap();
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

fn operations() -> Vec<Operation> {
    let doc = serde_json::to_value(pqbank_server::app::openapi()).unwrap();
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (m, op) in item.as_object().unwrap() {
            let method = match m.as_str() {
                "get" => Method::GET,
                "post" => Method::POST,
                "put" => Method::PUT,
                "patch" => Method::PATCH,
                "delete" => Method::DELETE,
                _ => continue,
            };
            let query = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str().map(str::to_owned))
                .collect();
            let body = op["requestBody"]["content"]["application/json"]["schema"]
                .as_object()
                .map(|_| {
                    let schema = resolve(
                        &doc,
                        &op["requestBody"]["content"]["application/json"]["schema"],
                    );
                    schema["properties"]
                        .as_object()
                        .map(|p| p.keys().cloned().collect())
                        .unwrap_or_default()
                });
            out.push(Operation {
                method,
                template: path.clone(),
                query,
                body,
            });
        }
    }
    // Logging out ends the caller's session: last.
    out.sort_by_key(|o| (o.template.ends_with("/logout"), o.template.clone()));
    out
}

/// Hostile values for one JSON property: wrong types, out-of-range numbers, control
/// characters, oversized strings.
fn hostile_values() -> Vec<Value> {
    vec![
        Value::Null,
        json!(-1),
        json!(0),
        json!(i64::MAX),
        json!(u64::MAX),
        json!(1e300),
        json!(-0.5),
        json!(""),
        json!("\u{0}\u{1b}[31m<script>"),
        json!("x".repeat(20_000)),
        json!("9999-99-99T99:99:99Z"),
        json!("../../../etc/passwd"),
        json!("0190a0b0-0000-7000-8000-00000000000Z"),
        json!([]),
        json!([[[[[[[[]]]]]]]]),
        json!({}),
        json!(true),
    ]
}

/// Hostile values for a query parameter (already URL-encoded where needed).
const HOSTILE_QUERY: &[&str] = &[
    "",
    "-1",
    "0",
    "99999999999999999999999",
    "1e400",
    "abc",
    "%00",
    "%ff%fe",
    "2026-13-45",
    "9999-12-31T23:59:59Z",
    "..%2F..%2F",
    "%E2%80%AE",
    "0190a0b0-0000-7000-8000-00000000000Z",
];

/// Hostile values for a path parameter.
const HOSTILE_PATH: &[&str] = &["%00", "..", "-1", "0", "%E2%80%AE", "ZZZ"];

/// Fills a path template's parameters with `value`.
fn fill(template: &str, value: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').unwrap() + start;
        out.push_str(value);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The requests one operation gets: hostile path parameters, each query parameter with each
/// hostile value, and bodies with every property set to each hostile value (plus bodies that
/// are not objects at all).
fn requests(op: &Operation, long: &str) -> Vec<(String, Option<Value>)> {
    let valid_path = fill(&op.template, "0190a0b0-0000-7000-8000-000000000001");
    let mut out = Vec::new();
    if op.template.contains('{') {
        for v in HOSTILE_PATH.iter().copied().chain([long]) {
            out.push((fill(&op.template, v), None));
        }
    }
    for name in &op.query {
        for v in HOSTILE_QUERY {
            out.push((format!("{valid_path}?{name}={v}"), None));
        }
        out.push((format!("{valid_path}?{name}=1&{name}=2"), None));
    }
    if let Some(props) = &op.body {
        for body in [json!(null), json!([]), json!("text"), json!(7), json!({})] {
            out.push((valid_path.clone(), Some(body)));
        }
        for v in hostile_values() {
            let body: serde_json::Map<String, Value> =
                props.iter().map(|p| (p.clone(), v.clone())).collect();
            out.push((valid_path.clone(), Some(Value::Object(body))));
        }
    }
    // Every operation also without a body or parameters beyond its path.
    out.push((valid_path, op.body.as_ref().map(|_| json!({}))));
    out
}

#[tokio::test]
async fn signed_in_callers_cannot_provoke_a_server_error() {
    let app = spawn_app().await;
    let api = app.api();
    let sessions = five_roles(&app).await;

    let long = "a".repeat(5_000);
    let ops = operations();
    assert!(ops.len() > 50, "route table looks short: {}", ops.len());
    let mut failures = Vec::new();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    let mut sent = 0usize;
    for op in &ops {
        // The event stream never ends; its refusals are covered by the route matrix.
        if op.template.ends_with("/stream") {
            continue;
        }
        for (role, session) in &sessions {
            // Logging out ends the session the later roles' requests need.
            if op.template.ends_with("/logout") {
                continue;
            }
            for (path, body) in requests(op, &long) {
                let reply = send(&api, session, op.method.clone(), &path, body.as_ref()).await;
                sent += 1;
                let status = reply.status;
                *statuses.entry(status).or_default() += 1;
                let text = &reply.text;
                let what = || {
                    format!(
                        "{role} {} {} body {}: {status} {}",
                        op.method,
                        path.chars().take(120).collect::<String>(),
                        body.as_ref()
                            .map(|b| b.to_string().chars().take(120).collect::<String>())
                            .unwrap_or_default(),
                        text.chars().take(200).collect::<String>()
                    )
                };
                if !reply.is_acceptable() {
                    failures.push(what());
                } else if path.contains("%00")
                    && (status != 400 || reply.json()["code"] != "invalid_url")
                {
                    // An encoded NUL is refused before routing, alike on both databases.
                    failures.push(format!("want 400 invalid_url: {}", what()));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {sent} requests failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The requests reached the handlers: most were not stopped by authentication.
    let unauthenticated = statuses.get(&401).copied().unwrap_or(0);
    assert!(
        unauthenticated * 20 < sent,
        "{unauthenticated} of {sent} answered 401: the sessions were lost ({statuses:?})"
    );
    assert!(sent > 3_000, "only {sent} requests");
    app.stop().await;
}

/// Control characters (NUL first) in the free-text fields of otherwise valid requests on real
/// objects: refused as invalid or kept as data, never a server error, on both databases.
#[tokio::test]
async fn control_characters_in_free_text_are_never_a_server_error() {
    let app = spawn_app().await;
    let api = app.api();
    let Cast {
        customer,
        clerk,
        manager,
    } = cast(&app).await;
    let account_id = open_account(&api, &clerk, &customer).await;
    let mut failures = Vec::new();
    for (i, text) in ["nul\u{0}inside", "\u{1b}[31mred", "bell\u{7}", "\u{0}"]
        .into_iter()
        .enumerate()
    {
        let probes = [
            (
                &manager,
                format!("/api/v1/accounts/{account_id}/status"),
                json!({"status": "frozen", "reason": text}),
            ),
            (
                &clerk,
                "/api/v1/customers".to_owned(),
                json!({"username": format!("textee{i}"), "legal_name": "Text Tester",
                       "email": format!("textee{i}@example.com"), "address": text}),
            ),
            (
                &customer,
                format!("/api/v1/users/{}/devices", customer.user_id),
                json!({"csr_pem": text, "device_name": text}),
            ),
        ];
        for (who, path, body) in probes {
            let reply = send(&api, who, Method::POST, &path, Some(&body)).await;
            if !reply.is_acceptable() {
                failures.push(format!(
                    "POST {path} {body}: {} {}",
                    reply.status, reply.text
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The reason was what they refused: the account is still open, and a printable reason works.
    let status_path = format!("/api/v1/accounts/{account_id}/status");
    let body = json!({"status": "frozen", "reason": "nul\u{0}inside"});
    let reply = send(&api, &manager, Method::POST, &status_path, Some(&body)).await;
    assert_eq!(
        (reply.status, reply.json()["code"].as_str()),
        (422, Some("invalid_request")),
        "{}",
        reply.text
    );
    let body = json!({"status": "frozen", "reason": "Customer reported a lost card"});
    let reply = send(&api, &manager, Method::POST, &status_path, Some(&body)).await;
    assert_eq!(
        (reply.status, reply.json()["status"].as_str()),
        (200, Some("frozen")),
        "{}",
        reply.text
    );
    app.stop().await;
}

/// Puts a spoiled nested object back where it came from.
type Rewrap = Box<dyn Fn(Value) -> Value>;

/// Every way of spoiling one field of a request that is valid as it stands (top-level fields,
/// and the fields of nested objects and of an array's first object).
fn one_field_spoiled(base: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    let Some(obj) = base.as_object() else {
        return out;
    };
    for (key, value) in obj {
        for v in hostile_values() {
            let mut b = obj.clone();
            b.insert(key.clone(), v);
            out.push(Value::Object(b));
        }
        let nested: Option<(Value, Rewrap)> = match value {
            Value::Object(_) => Some((value.clone(), Box::new(|inner| inner))),
            Value::Array(items) if items.first().is_some_and(Value::is_object) => {
                let rest = items[1..].to_vec();
                Some((
                    items[0].clone(),
                    Box::new(move |inner| {
                        let mut all = vec![inner];
                        all.extend(rest.iter().cloned());
                        Value::Array(all)
                    }),
                ))
            }
            _ => None,
        };
        if let Some((inner, wrap)) = nested {
            for spoiled in one_field_spoiled(&inner) {
                let mut b = obj.clone();
                b.insert(key.clone(), wrap(spoiled));
                out.push(Value::Object(b));
            }
        }
    }
    out
}

/// Valid requests of the roles that may make them, each sent once as it is (it must succeed)
/// and then with one field spoiled at a time: refused with a problem or accepted, never a
/// server error, on both databases.
#[tokio::test]
async fn valid_requests_with_one_spoiled_field_are_never_a_server_error() {
    let app = spawn_app().await;
    let api = app.api();
    let Cast {
        customer,
        clerk,
        manager,
    } = cast(&app).await;
    let admin = app.admin().await;
    let account_id = open_account(&api, &clerk, &customer).await;
    // Settings: what the bank has now, limited to the fields the update takes.
    let doc = serde_json::to_value(pqbank_server::app::openapi()).unwrap();
    let mut settings = Vec::new();
    for name in ["ledger", "monitoring"] {
        let path = format!("/api/v1/settings/{name}");
        let reply = send(&api, &admin, Method::GET, &path, None).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let current = reply.json();
        let schema = resolve(
            &doc,
            &doc["paths"][&path]["put"]["requestBody"]["content"]["application/json"]["schema"],
        );
        let keys: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
        let body: serde_json::Map<String, Value> = current
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| keys.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        settings.push((path, Value::Object(body)));
    }
    let mut cases = vec![
        (
            &clerk,
            Method::POST,
            "/api/v1/accounts".to_owned(),
            json!({"owner_id": customer.user_id, "kind": "savings", "currency": "CHF"}),
        ),
        (
            &manager,
            Method::POST,
            format!("/api/v1/accounts/{account_id}/overdraft"),
            json!({"limit": {"amount": "100.00", "currency": "EUR"}, "reason": "Agreed limit"}),
        ),
        (
            &manager,
            Method::POST,
            format!("/api/v1/accounts/{account_id}/status"),
            json!({"status": "frozen", "reason": "Checked"}),
        ),
        (
            &clerk,
            Method::POST,
            "/api/v1/customers".to_owned(),
            json!({"username": "spoilee", "legal_name": "Spoil Ee",
                   "email": "spoilee@example.com", "address": "1 Main Street"}),
        ),
        (
            &admin,
            Method::POST,
            "/api/v1/users".to_owned(),
            json!({"username": "spoilstaff", "roles": ["auditor"], "branch": null,
                   "legal_name": "Spoil Staff", "email": "spoilstaff@bank.example"}),
        ),
        (
            &admin,
            Method::PUT,
            format!("/api/v1/users/{}/roles", customer.user_id),
            json!({"roles": ["customer"], "branch": null}),
        ),
    ];
    for (path, body) in settings {
        cases.push((&admin, Method::PUT, path, body));
    }
    let mut failures = Vec::new();
    let mut sent = 0usize;
    for (who, method, path, base) in cases {
        let reply = send(&api, who, method.clone(), &path, Some(&base)).await;
        assert!(
            (200..300).contains(&reply.status),
            "{method} {path} {base}: {} {}",
            reply.status,
            reply.text
        );
        for body in one_field_spoiled(&base) {
            let reply = send(&api, who, method.clone(), &path, Some(&body)).await;
            sent += 1;
            if !reply.is_acceptable() {
                failures.push(format!(
                    "{method} {path} {}: {} {}",
                    body.to_string().chars().take(160).collect::<String>(),
                    reply.status,
                    reply.text
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {sent} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(sent > 200, "only {sent} requests");
    app.stop().await;
}

/// Every route with an id in its path parses it at the edge: a malformed id (wrong form,
/// upper case, nil UUID, a UUIDv4 where a transfer's UUIDv7 belongs, a serial with a
/// redundant zero byte) is refused with 400 `invalid_id` for every role the route admits,
/// and answered alike on both databases, before any lookup. Ids in query filters and cursors
/// are parsed the same way.
#[tokio::test]
async fn malformed_ids_are_refused_at_the_edge() {
    let app = spawn_app().await;
    let api = app.api();
    let sessions = five_roles(&app).await;
    let session = |role: &str| &sessions.iter().find(|(r, _)| *r == role).unwrap().1;
    const V4: &str = "0190a0b0-0000-4000-8000-000000000001";
    let malformed = [
        "not-an-id",
        "0190A0B0-0000-7000-8000-000000000001",
        "00000000-0000-0000-0000-000000000000",
        V4,
        // A serial with a redundant leading zero byte (and no UUID).
        "007f00ff00ff00ff00",
    ];
    let mut failures = Vec::new();
    let mut checked = 0usize;
    for op in operations() {
        // Event ids are integers; session ids are checked below (their route has a user id
        // first, which a malformed value would fail before).
        let typed: Vec<&str> = [
            "{account_id}",
            "{transfer_id}",
            "{user_id}",
            "{device_id}",
            "{serial}",
        ]
        .into_iter()
        .filter(|p| op.template.contains(p))
        .collect();
        if typed.is_empty() || op.template.ends_with("/logout") {
            continue;
        }
        let body = op.body.as_ref().map(|_| json!({}));
        for bad in malformed {
            // A UUIDv4 is a well-formed id except where a transfer's UUIDv7 belongs.
            if bad == V4 && !op.template.contains("{transfer_id}") {
                continue;
            }
            let path = fill(&op.template, bad);
            let mut refused_for_form = 0;
            for (role, session) in &sessions {
                let reply = send(&api, session, op.method.clone(), &path, body.as_ref()).await;
                checked += 1;
                match (reply.status, reply.json()["code"].as_str()) {
                    (400, Some("invalid_id")) => {
                        refused_for_form += 1;
                        let detail = reply.json()["detail"].as_str().unwrap_or("").to_owned();
                        if detail.contains(bad) {
                            failures
                                .push(format!("{role} {} {path}: detail echoes the id", op.method));
                        }
                    }
                    // Refused for the role before the handler ran.
                    (403, _) => {}
                    (status, code) => {
                        failures.push(format!("{role} {} {path}: {status} {code:?}", op.method))
                    }
                }
            }
            if refused_for_form == 0 {
                failures.push(format!(
                    "{} {path}: no role reached the id check",
                    op.method
                ));
            }
        }
    }
    // Query filters and cursors.
    for (who, path) in [
        ("customer", "/api/v1/transfers?account=not-an-id"),
        ("clerk", "/api/v1/accounts?owner_id=NOT-A-UUID"),
        ("clerk", "/api/v1/accounts?after=1"),
        ("customer", "/api/v1/certificates?user_id=x"),
        ("admin", "/api/v1/certificates?all=true&after=00ff"),
        // The user list's cursor is a username.
        ("admin", "/api/v1/users?after=x%21%21"),
    ] {
        let reply = send(&api, session(who), Method::GET, path, None).await;
        checked += 1;
        if (reply.status, reply.json()["code"].as_str()) != (400, Some("invalid_id")) {
            failures.push(format!("GET {path}: {} {}", reply.status, reply.text));
        }
    }
    // Session ids are handles of 32 lower-case hex characters, parsed like the other ids.
    let me = api.whoami(session("customer")).await.unwrap().user.id;
    for bad in [
        "not-a-session",
        "0123456789ABCDEF0123456789ABCDEF",
        "0123456789abcdef0123456789abcde",
        "01936f0e-8c2a-7b3d-9e4f-0123456789ab",
    ] {
        let path = format!("/api/v1/users/{me}/sessions/{bad}");
        let reply = send(&api, session("customer"), Method::DELETE, &path, None).await;
        checked += 1;
        let detail = reply.json()["detail"].as_str().unwrap_or("").to_owned();
        if (reply.status, reply.json()["code"].as_str()) != (400, Some("invalid_id"))
            || detail.contains(bad)
        {
            failures.push(format!("DELETE {path}: {} {}", reply.status, reply.text));
        }
    }
    let unknown = format!("/api/v1/users/{me}/sessions/{}", "0a".repeat(16));
    let reply = send(&api, session("customer"), Method::DELETE, &unknown, None).await;
    assert_eq!(reply.status, 404, "{}", reply.text);
    // A well-formed id of nothing is still "not found", as for another user's object.
    let reply = send(
        &api,
        session("customer"),
        Method::GET,
        "/api/v1/accounts/0190a0b0-0000-4000-8000-0000000000ff",
        None,
    )
    .await;
    assert_eq!(reply.status, 404, "{}", reply.text);
    assert!(
        failures.is_empty(),
        "{} of {checked}:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 300, "only {checked} requests");
    app.stop().await;
}
