//! HTTP handlers. Each is thin: extract, call one service method, map the result.

pub mod audit;
pub mod auth;
pub mod certs;
pub mod health;
pub mod pki;
pub mod security;
