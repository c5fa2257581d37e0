//! The embedded backend: one SQLite database in WAL mode, `nines.db` under
//! the data directory, implementing every store trait.
//!
//! `synchronous = NORMAL` in WAL mode makes a commit durable against a crash
//! of the process (`kill -9`): the WAL is written before `COMMIT` returns and
//! the OS keeps it. A power loss can drop the last commits; `Durability::Full`
//! fsyncs every commit for those who need that too.
//!
//! Several handles ([`SqliteStore::try_clone`]) may write at once: every
//! write transaction starts `IMMEDIATE`, taking SQLite's write lock before
//! it reads, so a check and the write it decides are never split by another
//! writer, and a waiting writer waits (`busy_timeout`) rather than failing
//! on a stale read. The invariants themselves are constraints in the
//! schema, not in this code.

mod events;
mod incidents;
mod lease;
mod oncall;
mod outbox;
mod probes;
mod review;
mod schema;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, ErrorCode, Transaction, TransactionBehavior};

use crate::error::{BackendError, BackendErrorKind, StoreError};

/// How hard a commit tries to reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Survives a crash of nines (`kill -9`); the default.
    #[default]
    Process,
    /// Also survives a power loss: fsync on every commit.
    Full,
}

/// The SQLite store. Not `Sync` (one connection); the daemon wraps a
/// handle in a mutex. Open more handles with [`SqliteStore::try_clone`]
/// for more connections: the invariants hold across them.
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    durability: Durability,
    /// Held for the life of every handle: one process per data directory,
    /// or two daemons would delete each other's batches at checkpoints.
    /// Shared by the handles of this process.
    lock: Arc<std::fs::File>,
}

/// The name the daemon has always used for the embedded store.
pub type Store = SqliteStore;

/// What can stop a write transaction: SQLite failed, or the write would
/// break an invariant and is refused with a named error the caller can act
/// on. Either way the transaction rolls back.
pub(crate) enum Failure {
    Sql(rusqlite::Error),
    Refused(StoreError),
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Self {
        Failure::Sql(e)
    }
}

/// Wraps a SQLite error so no rusqlite type reaches the public error.
fn backend_error(path: &Path, e: rusqlite::Error) -> StoreError {
    let kind = match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => BackendErrorKind::Busy,
        Some(ErrorCode::ConstraintViolation) => BackendErrorKind::Constraint,
        _ => BackendErrorKind::Other,
    };
    StoreError::Backend {
        database: path.display().to_string(),
        source: BackendError::new(kind, e),
    }
}

/// True when `e` is a unique constraint failing on `column`
/// (`table.column`, as SQLite names it).
pub(crate) fn violates_unique(e: &rusqlite::Error, column: &str) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, Some(msg))
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE && msg.ends_with(column)
    )
}

impl SqliteStore {
    /// Opens (creating if needed) `nines.db` under `dir` and migrates it.
    /// Fails with [`StoreError::Locked`] while another process has it open.
    pub fn open(dir: &Path, durability: Durability) -> Result<SqliteStore, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let lock_path = dir.join("nines.lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|source| StoreError::Lock {
                path: lock_path.clone(),
                source,
            })?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Locked {
                    path: dir.to_path_buf(),
                });
            }
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(StoreError::Lock {
                    path: lock_path,
                    source,
                });
            }
        }
        let mut store = SqliteStore::connect(dir.join("nines.db"), durability, Arc::new(lock))?;
        store.migrate()?;
        Ok(store)
    }

    /// Another handle on the same database: its own connection, sharing
    /// this process's lock on the data directory. For readers that should
    /// not wait behind the writer's mutex, and for several writers.
    pub fn try_clone(&self) -> Result<SqliteStore, StoreError> {
        SqliteStore::connect(self.path.clone(), self.durability, Arc::clone(&self.lock))
    }

    fn connect(
        path: PathBuf,
        durability: Durability,
        lock: Arc<std::fs::File>,
    ) -> Result<SqliteStore, StoreError> {
        let conn = Connection::open(&path).map_err(|e| backend_error(&path, e))?;
        let store = SqliteStore {
            conn,
            path,
            durability,
            lock,
        };
        store.configure()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Maps a SQLite error to this store's error.
    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |e| backend_error(&self.path, e)
    }

    /// Runs `f` on the connection, outside any transaction (reads: in WAL
    /// mode they see the last commit and never wait for a writer).
    pub(crate) fn read<R>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<R>,
    ) -> Result<R, StoreError> {
        f(&self.conn).map_err(self.err())
    }

    /// Runs `f` in one `IMMEDIATE` transaction, committed when it returns
    /// `Ok`, rolled back otherwise.
    pub(crate) fn write<R>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>) -> Result<R, Failure>,
    ) -> Result<R, StoreError> {
        let run = || -> Result<R, Failure> {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let r = f(&tx)?;
            tx.commit()?;
            Ok(r)
        };
        run().map_err(|f| match f {
            Failure::Sql(e) => backend_error(&self.path, e),
            Failure::Refused(e) => e,
        })
    }

    fn configure(&self) -> Result<(), StoreError> {
        let sync = match self.durability {
            Durability::Process => "NORMAL",
            Durability::Full => "FULL",
        };
        self.conn
            .execute_batch(&format!(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = {sync}; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;"
            ))
            .map_err(self.err())
    }

    /// Applies the migrations this database lacks, each in its own
    /// transaction; the version is read inside it, so two handles opening
    /// at once cannot both apply one.
    fn migrate(&mut self) -> Result<(), StoreError> {
        let known = schema::MIGRATIONS.len() as i64;
        loop {
            let path = self.path.clone();
            let applied = self.write(|tx| {
                let found: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
                if found > known {
                    return Err(Failure::Refused(StoreError::TooNew { path, found, known }));
                }
                if found == known {
                    return Ok(false);
                }
                tx.execute_batch(schema::MIGRATIONS[found as usize])?;
                tx.pragma_update(None, "user_version", found + 1)?;
                Ok(true)
            })?;
            if !applied {
                return Ok(());
            }
        }
    }
}
