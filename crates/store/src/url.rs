use std::fmt;
use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};

use crate::StoreError;

/// A parsed database URL: `sqlite://PATH` (or `sqlite:PATH`) or `postgres://...` /
/// `postgresql://...`. Anything else is refused, never silently mapped to a new empty database.
#[derive(Clone)]
pub enum DatabaseUrl {
    /// Path of the SQLite database file.
    Sqlite(PathBuf),
    /// Full PostgreSQL URL (may contain a password, hence secret).
    Postgres(SecretString),
}

impl DatabaseUrl {
    /// Parses and checks the scheme.
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        let url = url.trim();
        let Some((scheme, rest)) = url.split_once(':') else {
            return Err(StoreError::InvalidUrl("missing scheme"));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => {
                let path = rest.strip_prefix("//").unwrap_or(rest);
                let path = path.split('?').next().unwrap_or_default();
                if path.is_empty() || path == ":memory:" {
                    return Err(StoreError::InvalidUrl("sqlite URL needs a file path"));
                }
                Ok(Self::Sqlite(PathBuf::from(path)))
            }
            "postgres" | "postgresql" => {
                if !rest.starts_with("//") {
                    return Err(StoreError::InvalidUrl(
                        "postgres URL must be postgres://...",
                    ));
                }
                Ok(Self::Postgres(SecretString::from(url.to_owned())))
            }
            other => Err(StoreError::UnsupportedScheme(other.to_owned())),
        }
    }

    /// The URL with any password replaced by `***`, safe for logs and `config show`.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(p) => format!("sqlite://{}", p.display()),
            Self::Postgres(s) => redact_password(s.expose_secret()),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

fn redact_password(url: &str) -> String {
    // postgres://user:password@host/db -> postgres://user:***@host/db
    let Some((scheme, rest)) = url.split_once("://") else {
        return "postgres://***".to_owned();
    };
    let (authority, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_owned(),
    };
    // Query parameters may carry a password too.
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let q: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_owned(),
                })
                .collect();
            format!("{path}?{}", q.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_schemes() {
        assert!(
            matches!(DatabaseUrl::parse("sqlite://./x.db"), Ok(DatabaseUrl::Sqlite(p)) if p.as_path() == std::path::Path::new("./x.db"))
        );
        assert!(matches!(
            DatabaseUrl::parse("sqlite:/tmp/x.db"),
            Ok(DatabaseUrl::Sqlite(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgres://postgres@127.0.0.1:5432/test"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgresql://h/db"),
            Ok(DatabaseUrl::Postgres(_))
        ));
    }

    #[test]
    fn refuses_unknown_and_malformed() {
        assert!(
            matches!(DatabaseUrl::parse("mysql://root@localhost/x"), Err(StoreError::UnsupportedScheme(s)) if s == "mysql")
        );
        assert!(matches!(
            DatabaseUrl::parse("no-scheme"),
            Err(StoreError::InvalidUrl(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("sqlite://"),
            Err(StoreError::InvalidUrl(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("sqlite::memory:"),
            Err(StoreError::InvalidUrl(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgres:foo"),
            Err(StoreError::InvalidUrl(_))
        ));
    }

    #[test]
    fn redacts_passwords() {
        let u = DatabaseUrl::parse("postgres://bank:s3cret@db:5432/pq?sslmode=require&password=x")
            .unwrap();
        let r = u.redacted();
        assert!(!r.contains("s3cret"), "{r}");
        assert!(!r.contains("password=x"), "{r}");
        assert_eq!(
            r,
            "postgres://bank:***@db:5432/pq?sslmode=require&password=***"
        );
        assert_eq!(format!("{u:?}"), r);
    }
}
