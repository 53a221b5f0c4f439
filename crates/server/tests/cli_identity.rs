//! The CLI as a bank client, with the real `pqbank` binary against a real server: the
//! bootstrap admin enrolls a device with the one-time password, logs in by challenge-response,
//! `whoami`, logout; a customer registers; the profile is encrypted and private.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Output;

use pqbank_server::testkit::spawn_app;

const PASSPHRASE: &str = "profile passphrase for tests";
const PASSWORD: &str = "a long and new password";

async fn pqbank(dir: &Path, url: &str, ca: &Path, profile: &str, args: &[&str]) -> Output {
    run(dir, url, ca, profile, args, PASSPHRASE, PASSWORD).await
}

async fn run(
    dir: &Path,
    url: &str,
    ca: &Path,
    profile: &str,
    args: &[&str],
    passphrase: &str,
    password: &str,
) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_pqbank"));
    cmd.current_dir(dir)
        .args(args)
        .env("PQBANK_URL", url)
        .env("PQBANK_CA", ca)
        .env("PQBANK_PROFILE", dir.join(profile))
        .env("PQBANK_PROFILE_PASSPHRASE", passphrase)
        .env("PQBANK_PASSWORD", password);
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

/// `pqbank register` as Alice, with profile `alice`.
async fn register_alice(dir: &Path, url: &str, ca: &Path) -> Output {
    pqbank(
        dir,
        url,
        ca,
        "alice",
        &[
            "register",
            "--username",
            "alice",
            "--legal-name",
            "Alice Example",
            "--email",
            "alice@example.com",
        ],
    )
    .await
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn admin_enrolls_logs_in_and_out_with_the_cli() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ca = d.join("tls-ca.pem");
    std::fs::write(&ca, &app.ca_pem).unwrap();
    let url = app.base_url.clone();
    let code = app.admin_code.clone().unwrap();

    let text = ok(&pqbank(
        d,
        &url,
        &ca,
        "admin",
        &[
            "device",
            "enroll",
            "--username",
            "admin",
            "--activation-code",
            &code,
        ],
    )
    .await);
    assert!(text.contains("enrolled for admin"), "{text}");
    // The one-time password works once.
    let again = pqbank(
        d,
        &url,
        &ca,
        "admin2",
        &[
            "device",
            "enroll",
            "--username",
            "admin",
            "--activation-code",
            &code,
        ],
    )
    .await;
    assert!(!again.status.success());

    // The profile is private and encrypted.
    let device_file = d.join("admin").join("device.locked");
    let bytes = std::fs::read(&device_file).unwrap();
    assert!(bytes.starts_with(b"PQLB"));
    assert!(!String::from_utf8_lossy(&bytes).contains("admin"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&device_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let text = ok(&pqbank(d, &url, &ca, "admin", &["login"]).await);
    assert!(text.contains("logged in as admin"), "{text}");
    let text = ok(&pqbank(d, &url, &ca, "admin", &["whoami", "--json"]).await);
    let me: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(me["user"]["username"], "admin");
    assert_eq!(me["user"]["roles"][0], "admin");
    // Twice: the stored session's MAC counter advances between runs.
    ok(&pqbank(d, &url, &ca, "admin", &["whoami"]).await);

    // A wrong profile passphrase cannot unlock the device.
    let out = run(d, &url, &ca, "admin", &["login"], "wrong", PASSWORD).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong passphrase"));

    ok(&pqbank(d, &url, &ca, "admin", &["logout"]).await);
    let out = pqbank(d, &url, &ca, "admin", &["whoami"]).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not logged in"));
    app.stop().await;
}

#[tokio::test]
async fn customer_registers_with_the_cli() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ca = d.join("tls-ca.pem");
    std::fs::write(&ca, &app.ca_pem).unwrap();
    let url = app.base_url.clone();
    let text = ok(&register_alice(d, &url, &ca).await);
    assert!(text.contains("registered alice"), "{text}");
    ok(&pqbank(d, &url, &ca, "alice", &["login"]).await);
    let text = ok(&pqbank(d, &url, &ca, "alice", &["whoami"]).await);
    assert!(text.starts_with("alice ("), "{text}");
    assert!(text.contains("roles: customer"), "{text}");
    // A wrong password is refused with the server's problem code.
    let out = run(
        d,
        &url,
        &ca,
        "alice",
        &["login"],
        PASSPHRASE,
        "not the password!",
    )
    .await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid_credentials"));
    app.stop().await;
}

#[tokio::test]
async fn operator_creates_a_staff_user_from_the_command_line() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ca = d.join("tls-ca.pem");
    std::fs::write(&ca, &app.ca_pem).unwrap();
    let url = app.base_url.clone();
    let data_dir = app.data_dir.path().to_str().unwrap().to_owned();
    let db_url = app.db.url_string.clone();
    let text = ok(&pqbank(
        d,
        &url,
        &ca,
        "unused",
        &[
            "admin",
            "create-user",
            "--username",
            "carl",
            "--role",
            "clerk",
            "--branch",
            "HQ",
            "--legal-name",
            "Carl Clerk",
            "--email",
            "carl@bank.example",
            "--data-dir",
            &data_dir,
            "--database-url",
            &db_url,
        ],
    )
    .await);
    let code = text
        .lines()
        .find_map(|l| l.strip_prefix("one-time activation code (shown only now): "))
        .unwrap_or_else(|| panic!("no code in {text}"))
        .trim()
        .to_owned();
    ok(&pqbank(
        d,
        &url,
        &ca,
        "carl",
        &[
            "device",
            "enroll",
            "--username",
            "carl",
            "--activation-code",
            &code,
        ],
    )
    .await);
    ok(&pqbank(d, &url, &ca, "carl", &["login"]).await);
    let text = ok(&pqbank(d, &url, &ca, "carl", &["whoami"]).await);
    assert!(text.contains("roles: clerk"), "{text}");
    // An auditor who is also an admin is refused (conflicting roles).
    let out = pqbank(
        d,
        &url,
        &ca,
        "unused",
        &[
            "admin",
            "create-user",
            "--username",
            "eve",
            "--role",
            "auditor",
            "--role",
            "admin",
            "--legal-name",
            "Eve",
            "--email",
            "eve@bank.example",
            "--data-dir",
            &data_dir,
            "--database-url",
            &db_url,
        ],
    )
    .await;
    assert!(!out.status.success());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_sends_a_bulk_payment_with_the_cli() {
    use pqbank_client::ledger::new_transfer_payload;
    use pqbank_domain::payload::TransferReference;
    use pqbank_domain::{Currency, TransferAmount};

    let app = spawn_app().await;
    let api = app.api();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ca = d.join("tls-ca.pem");
    std::fs::write(&ca, &app.ca_pem).unwrap();
    let url = app.base_url.clone();
    ok(&register_alice(d, &url, &ca).await);
    ok(&pqbank(d, &url, &ca, "alice", &["login"]).await);
    let me: serde_json::Value =
        serde_json::from_str(&ok(
            &pqbank(d, &url, &ca, "alice", &["whoami", "--json"]).await
        ))
        .unwrap();
    let alice_id = me["user"]["id"].as_str().unwrap().to_owned();
    let (clerk_dev, clerk) = app.staff("clerk", &["clerk"], Some("HQ")).await;
    let (_, bob) = app.customer("bob").await;
    let bob_id = bob.user_id.clone();
    let a = api
        .create_account(&clerk, &alice_id, "current", "EUR")
        .await
        .unwrap();
    let b = api
        .create_account(&clerk, &bob_id, "current", "EUR")
        .await
        .unwrap();
    let cash = api
        .cash_accounts(&clerk)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.kind == "cash" && c.currency == "EUR")
        .unwrap();
    let deposit = new_transfer_payload(
        &clerk_dev,
        cash.id,
        a.id,
        TransferAmount::parse_decimal("500.00", Currency::EUR).unwrap(),
        TransferReference::parse("cash").unwrap(),
    )
    .unwrap();
    api.cash_deposit(&clerk, &clerk_dev, &deposit)
        .await
        .unwrap();

    // Two salaries and one line the account cannot pay: two booked, one refused (exit 1).
    let file = d.join("payroll.csv");
    std::fs::write(
        &file,
        format!(
            "to,amount,reference\n{b},120.00,Salary, November\n{b},30.50,Bonus\n{b},9000.00,Too much\n",
            b = b.id
        ),
    )
    .unwrap();
    let from = a.id.to_string();
    let out = pqbank(
        d,
        &url,
        &ca,
        "alice",
        &["transfer", "bulk", "--from", &from, file.to_str().unwrap()],
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(
        stdout.contains("2 of 3 transfers accepted, 1 refused"),
        "{stdout}"
    );
    assert!(stdout.contains("insufficient_funds"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 of 3 transfers refused"));
    let b_now = api.account(&bob, &b.id.to_string()).await.unwrap();
    assert_eq!(b_now.balance.posted.minor_units(), 15_050);
    // A bad file is refused before anything is signed or sent.
    std::fs::write(&file, format!("{},12.345,x\n", b.id)).unwrap();
    let out = pqbank(
        d,
        &url,
        &ca,
        "alice",
        &[
            "transfer",
            "bulk",
            "--from",
            &from,
            "--json",
            file.to_str().unwrap(),
        ],
    )
    .await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1: amount"));
    let b_now = api.account(&bob, &b.id.to_string()).await.unwrap();
    assert_eq!(b_now.balance.posted.minor_units(), 15_050);
    app.stop().await;
}
