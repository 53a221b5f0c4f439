//! Path parameters parsed into their domain types at the edge (parse, don't validate). A
//! malformed id (not the canonical lower-case UUID of its kind, not a certificate serial) is
//! refused with 400 `invalid_id` before any use case runs: it never reaches a lookup, a log
//! line or the audit log. The detail names the expected form, never the value sent.

use std::fmt::Display;
use std::str::FromStr;

use axum::extract::{FromRequestParts, Path};
use axum::http::StatusCode;
use axum::http::request::Parts;

use crate::problem::ApiError;

/// The one path parameter of a route, as `T` (an id newtype of `pqbank_domain`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Id<T>(pub T);

impl<S, T> FromRequestParts<S> for Id<T>
where
    S: Send + Sync,
    T: FromStr + Send,
    T::Err: Display,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|r| ApiError::new(StatusCode::BAD_REQUEST, "invalid_path", r.body_text()))?;
        parse_id(&raw).map(Id)
    }
}

/// Parses one id of a path (routes with several parameters extract them as strings first).
///
/// # Errors
/// 400 `invalid_id`, naming the expected form.
pub fn parse_id<T>(raw: &str) -> Result<T, ApiError>
where
    T: FromStr,
    T::Err: Display,
{
    raw.parse::<T>()
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_id", e.to_string()))
}

/// Parses an optional id of a query (`name` is the parameter, named in the error).
///
/// # Errors
/// 400 `invalid_id`, naming the parameter and the expected form.
pub fn parse_query_id<T>(name: &str, raw: Option<&str>) -> Result<Option<T>, ApiError>
where
    T: FromStr,
    T::Err: Display,
{
    raw.map(|r| {
        r.parse::<T>().map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_id",
                format!("{name}: {e}"),
            )
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use axum::extract::FromRequestParts as _;
    use axum::http::Request;
    use pqbank_domain::{AccountId, CertificateSerial, TransferId};

    use super::*;

    async fn extract<T>(template: &str, uri: &str) -> Result<T, ApiError>
    where
        T: FromStr + Send + Clone + Sync + 'static,
        T::Err: Display,
    {
        // Route the request through a router so that the path parameters are matched.
        let (tx, rx) = std::sync::mpsc::channel();
        let app = axum::Router::new().route(
            template,
            axum::routing::get(move |req: Request<axum::body::Body>| {
                let tx = tx.clone();
                async move {
                    let (mut parts, _) = req.into_parts();
                    let got = Id::<T>::from_request_parts(&mut parts, &()).await;
                    let _ = tx.send(got.map(|Id(v)| v));
                    StatusCode::NO_CONTENT
                }
            }),
        );
        let req = Request::builder()
            .uri(uri)
            .body(axum::body::Body::empty())
            .unwrap();
        tower::ServiceExt::oneshot(app, req).await.unwrap();
        rx.recv().unwrap()
    }

    fn problem(e: ApiError) -> (u16, String, String) {
        match e {
            ApiError::Problem(p) => (
                p.status,
                p.code.clone(),
                p.detail.clone().unwrap_or_default(),
            ),
            ApiError::Service(e) => panic!("unexpected service error {e:?}"),
        }
    }

    #[tokio::test]
    async fn canonical_ids_parse() {
        let id = "0190a0b0-0000-4000-8000-000000000001";
        let got: AccountId = extract("/a/{id}", &format!("/a/{id}")).await.unwrap();
        assert_eq!(got.to_string(), id);
        let t = "0190a0b0-0000-7000-8000-000000000001";
        let got: TransferId = extract("/t/{id}", &format!("/t/{t}")).await.unwrap();
        assert_eq!(got.to_string(), t);
        let s: CertificateSerial = extract("/c/{s}", "/c/0123456789abcdef").await.unwrap();
        assert_eq!(s.to_string(), "0123456789abcdef");
    }

    #[tokio::test]
    async fn malformed_ids_are_refused_without_echoing_them() {
        for (template, uri) in [
            ("/a/{id}", "/a/not-an-id"),
            ("/a/{id}", "/a/0190A0B0-0000-4000-8000-000000000001"),
            ("/a/{id}", "/a/00000000-0000-0000-0000-000000000000"),
            ("/a/{id}", "/a/%E2%80%AE%3Cscript%3E"),
        ] {
            let e = extract::<AccountId>(template, uri).await.unwrap_err();
            let (status, code, detail) = problem(e);
            assert_eq!((status, code.as_str()), (400, "invalid_id"), "{uri}");
            assert!(detail.starts_with("account id must"), "{detail}");
            assert!(
                !detail.contains("script") && !detail.contains("not-an-id"),
                "{detail}"
            );
        }
        // A transfer id must be a UUIDv7 (it is chosen by the client and signed).
        let e = extract::<TransferId>("/t/{id}", "/t/0190a0b0-0000-4000-8000-000000000001")
            .await
            .unwrap_err();
        assert_eq!(problem(e).1, "invalid_id");
        let e = extract::<CertificateSerial>("/c/{s}", "/c/00ff")
            .await
            .unwrap_err();
        assert_eq!(problem(e).1, "invalid_id");
    }

    #[test]
    fn query_ids_name_their_parameter() {
        assert_eq!(parse_query_id::<AccountId>("account", None).unwrap(), None);
        let id = "0190a0b0-0000-4000-8000-000000000001";
        let got = parse_query_id::<AccountId>("account", Some(id))
            .unwrap()
            .unwrap();
        assert_eq!(got.to_string(), id);
        let e = parse_query_id::<AccountId>("account", Some("x")).unwrap_err();
        let (status, code, detail) = problem(e);
        assert_eq!((status, code.as_str()), (400, "invalid_id"));
        assert_eq!(
            detail,
            "account: account id must be a lower-case hyphenated UUID"
        );
    }
}
