//! The one error type of every store operation, whatever the backend: no
//! backend's types appear in it, so callers (and a second backend) depend on
//! this crate alone.

use std::error::Error;
use std::fmt;
use std::path::PathBuf;

use crate::codec::CodecError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create data directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The database failed a statement. `database` names it: the SQLite
    /// file, or a PostgreSQL host and database name.
    #[error("database {database}: {source}")]
    Backend {
        database: String,
        source: BackendError,
    },
    #[error(
        "database {path} was written by a newer nines (schema {found}, this one knows {known}); upgrade nines"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("database {path}: {source}")]
    Corrupt { path: PathBuf, source: CodecError },
    #[error(
        "data directory {path} is in use by another nines process (lock file {path}/nines.lock); stop it or use another --data"
    )]
    Locked { path: PathBuf },
    #[error("cannot lock {path}: {source}")]
    Lock {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A write would open a second incident in a group that has an open
    /// one (opening, or reopening a resolved one). The database refuses
    /// it, so this holds with several writers; the caller decides again,
    /// usually by joining incident `open`.
    #[error(
        "group {group_key} already has an open incident (#{open}); join it instead of opening another"
    )]
    OpenIncidentExists { group_key: String, open: i64 },
    /// [`crate::EventLog::append_batch`] was given an idempotency key that
    /// is already recorded. [`crate::EventLog::append_batch_once`] returns
    /// the earlier batch instead.
    #[error("idempotency key {key:?} was already used, by batch {batch}")]
    KeyUsed { key: String, batch: i64 },
}

impl StoreError {
    /// True when the database was busy (locked by another writer past the
    /// wait, or a serialisation failure): the same call may succeed later.
    pub fn is_busy(&self) -> bool {
        matches!(self, StoreError::Backend { source, .. } if source.kind() == BackendErrorKind::Busy)
    }
}

/// What kind of backend failure an error is, as far as a caller can act on
/// it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BackendErrorKind {
    /// Another writer held the database too long; retrying may succeed.
    Busy,
    /// A constraint refused the write.
    Constraint,
    Other,
}

/// A backend's own error, boxed so its type stays out of this crate's API.
/// Displays as the backend's message; its `source` is the backend error's
/// source, so an error chain reads as it did with the backend type.
#[derive(Debug)]
pub struct BackendError {
    kind: BackendErrorKind,
    inner: Box<dyn Error + Send + Sync>,
}

impl BackendError {
    pub fn new(kind: BackendErrorKind, inner: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        BackendError {
            kind,
            inner: inner.into(),
        }
    }

    pub fn kind(&self) -> BackendErrorKind {
        self.kind
    }
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}

impl Error for BackendError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.inner.source()
    }
}
