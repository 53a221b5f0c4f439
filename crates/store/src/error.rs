use thiserror::Error;

/// Storage errors. Messages are for logs; the HTTP edge maps variants to stable codes.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database URL's scheme is not one pqbank supports.
    #[error("unsupported database URL scheme {0:?}: use sqlite://PATH or postgres://...")]
    UnsupportedScheme(String),
    /// The URL could not be parsed.
    #[error("invalid database URL: {0}")]
    InvalidUrl(&'static str),
    /// An optimistic-concurrency check failed or a unique key exists.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The row does not exist.
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// Input violates a storage limit.
    #[error("invalid input: {0}")]
    Invalid(&'static str),
    /// The database is unreachable, the pool is exhausted, or a query failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Running migrations failed.
    #[error("migration error: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A stored value could not be decoded.
    #[error("corrupt row: {0}")]
    Corrupt(&'static str),
}

impl StoreError {
    /// True for failures that a retry of the same transaction may not hit again: deadlock or
    /// serialization failure (PostgreSQL), busy/locked (SQLite), a unique key raced by a
    /// concurrent writer, an optimistic-concurrency conflict.
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(db)) => matches!(
                db.code().as_deref(),
                Some("40001" | "40P01" | "23505" | "5" | "6" | "517" | "261" | "2067" | "1555")
            ),
            StoreError::Conflict(_) => true,
            _ => false,
        }
    }

    /// True when PostgreSQL refused text it cannot store or even compare: a NUL character
    /// (SQLSTATE 22021) or one without an equivalent in the server's encoding (22P05). That is
    /// bad input, not a failure of the bank (SQLite stores such text, so it never says this).
    pub fn is_unstorable_text(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(db)) => {
                matches!(db.code().as_deref(), Some("22021" | "22P05"))
            }
            _ => false,
        }
    }

    /// True when the database cannot be reached right now (pool timeout, closed pool, I/O), as
    /// opposed to a bug or bad data: the edge answers 503 and readiness fails.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::Database(
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)
            )
        )
    }
}
