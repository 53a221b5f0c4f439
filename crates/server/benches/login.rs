//! Login latency: password (Argon2id, m = 19 MiB, t = 2) + device challenge-response (composite
//! ML-DSA-65 + Ed25519 signature, X-Wing encapsulation, session creation) through the real
//! HTTPS API, measured from the client. `cargo bench -p pqbank-server --bench login`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]
#![allow(clippy::disallowed_methods)] // a benchmark reads the real clock

use std::time::{Duration, Instant};

use pqbank_server::testkit::{TEST_PASSWORD, spawn_app};

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let n: usize = std::env::var("PQBANK_BENCH_LOGINS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(25); // the per-address login rate limit is 30 a minute
        let app = spawn_app().await;
        let api = app.api();
        let (device, _) = app.customer("bench").await;
        // Warm up.
        for _ in 0..2 {
            api.login(&device, "bench", TEST_PASSWORD).await.unwrap();
        }
        let mut times = Vec::with_capacity(n);
        let mut challenge = Vec::with_capacity(n);
        for _ in 0..n {
            let t0 = Instant::now();
            let serial = device.cert_serial.clone().unwrap();
            let nonce = api.challenge("bench", &serial).await.unwrap();
            let t1 = Instant::now();
            let (body, eph, transcript) = api
                .login_body(&device, "bench", TEST_PASSWORD, &nonce)
                .unwrap();
            api.finish_login(&body, &eph, &transcript).await.unwrap();
            times.push(t0.elapsed());
            challenge.push(t1 - t0);
        }
        times.sort();
        challenge.sort();
        println!(
            "login (challenge + sign + login) over HTTPS, {n} sequential logins, backend {}:",
            app.bank.store().backend().as_str()
        );
        println!(
            "  total    p50 {:>8.2?}  p90 {:>8.2?}  p99 {:>8.2?}  max {:>8.2?}",
            pct(&times, 0.5),
            pct(&times, 0.9),
            pct(&times, 0.99),
            times[times.len() - 1]
        );
        println!("  challenge p50 {:>8.2?}", pct(&challenge, 0.5));
        app.stop().await;
    });
}
