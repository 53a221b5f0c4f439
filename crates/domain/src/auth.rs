//! What a device signs to log in, and what a session MACs on every state-changing request.
//! Both sides (server, CLI, browser) build the same bytes from these functions.

use std::collections::BTreeMap;

use crate::jcs::string_object;

/// The `purpose` member of a login transcript.
pub const LOGIN_PURPOSE: &str = "pqbank-login-v1";
/// Signature context (ML-DSA / composite `ctx`) of login signatures.
pub const LOGIN_SIGNATURE_CONTEXT: &[u8] = b"pqbank/login/v1";
/// HKDF `info` of the session key.
pub const SESSION_KEY_INFO: &[u8] = b"pqbank session key v1";
/// Header carrying the request MAC: `v1 ts=<unix seconds>,ctr=<counter>,mac=<base64url>`.
pub const MAC_HEADER: &str = "x-pqbank-mac";
/// Name of the session cookie (`__Host-` prefix: Secure, Path=/, no Domain).
pub const SESSION_COOKIE: &str = "__Host-pqbank_session";

/// The login transcript the device signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginTranscript {
    /// The server's nonce (hex).
    pub nonce: String,
    /// Username.
    pub username: String,
    /// Serial (hex) of the device's signature certificate.
    pub device_cert_serial: String,
    /// The client's ephemeral X-Wing public key, base64url without padding.
    pub client_kem_public_key: String,
    /// The origin the client talks to (`https://host:port`).
    pub origin: String,
}

impl LoginTranscript {
    /// RFC 8785 canonical JSON of the transcript, including `purpose`.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let members = BTreeMap::from([
            ("client_kem_public_key", self.client_kem_public_key.as_str()),
            ("device_cert_serial", self.device_cert_serial.as_str()),
            ("nonce", self.nonce.as_str()),
            ("origin", self.origin.as_str()),
            ("purpose", LOGIN_PURPOSE),
            ("username", self.username.as_str()),
        ]);
        string_object(&members).into_bytes()
    }
}

/// The bytes a request MAC covers: method, path with query, hex SHA-256 of the body, unix
/// timestamp and counter, one per line after a version tag.
pub fn request_mac_input(
    method: &str,
    path_and_query: &str,
    body_sha256_hex: &str,
    timestamp: i64,
    counter: i64,
) -> Vec<u8> {
    format!("pqbank-mac-v1\n{method}\n{path_and_query}\n{body_sha256_hex}\n{timestamp}\n{counter}")
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcript_is_canonical_json() {
        let t = LoginTranscript {
            nonce: "00ff".into(),
            username: "alice".into(),
            device_cert_serial: "0a".into(),
            client_kem_public_key: "AAEC".into(),
            origin: "https://bank.example".into(),
        };
        assert_eq!(
            String::from_utf8(t.canonical_bytes()).unwrap(),
            r#"{"client_kem_public_key":"AAEC","device_cert_serial":"0a","nonce":"00ff","origin":"https://bank.example","purpose":"pqbank-login-v1","username":"alice"}"#
        );
    }

    #[test]
    fn mac_input_lines() {
        assert_eq!(
            request_mac_input("POST", "/api/v1/x?a=1", "ab", 5, 7),
            b"pqbank-mac-v1\nPOST\n/api/v1/x?a=1\nab\n5\n7".to_vec()
        );
    }
}
