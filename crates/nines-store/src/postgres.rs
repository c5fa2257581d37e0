//! The shared backend: a PostgreSQL database that several `nines serve`
//! replicas may use at once, implementing every store trait with the same
//! schema concepts and invariants as SQLite (`sqlite.rs`).
//!
//! The traits are synchronous and the daemon calls them from
//! `spawn_blocking`, so each call here runs its async `tokio-postgres` work
//! to completion on the calling thread ([`block_on`]), while the
//! connections themselves are driven by one small runtime of this process
//! (`RUNTIME`). That works from any thread, inside a tokio runtime or not,
//! and keeps the runtime out of `Drop` (a runtime cannot be dropped inside
//! another). The pool (`deadpool-postgres`) is `Sync`, so reads through
//! `&self` take a connection of their own; no interior mutability.
//!
//! Durability: a write returns after its `COMMIT` returned, which with
//! PostgreSQL's default `synchronous_commit = on` means the WAL is flushed
//! to disk. The invariants (one open incident per group, one batch per
//! idempotency key) are constraints and locks in the database, so they hold
//! between replicas.

mod events;
mod incidents;
mod lease;
mod oncall;
mod outbox;
mod probes;
mod review;
mod schema;
mod tls;

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime, Transaction};
use tokio_postgres::error::SqlState;

use crate::error::{BackendError, BackendErrorKind, StoreError};

/// Connections a store keeps at most.
const POOL_SIZE: usize = 8;

/// How long a call waits for a connection (to connect, or for a free one).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The PostgreSQL store. Cheap to clone: clones share the pool.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    /// `host:port/dbname`, never the password: what errors name.
    database: Arc<str>,
}

/// What can stop a write transaction: PostgreSQL failed, the pool had no
/// connection, or the write would break an invariant and is refused with a
/// named error. Either way the transaction rolls back.
pub(crate) enum Failure {
    Sql(tokio_postgres::Error),
    Refused(StoreError),
}

impl From<tokio_postgres::Error> for Failure {
    fn from(e: tokio_postgres::Error) -> Self {
        Failure::Sql(e)
    }
}

/// The runtime that drives every connection of this process: one worker
/// is plenty for I/O that only waits on the network.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("nines-postgres")
            .enable_all()
            .build()
            .expect("cannot start the PostgreSQL client's runtime")
    })
}

/// Wakes the thread that [`block_on`] parked.
struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `f` to completion on this thread, blocking it as a SQLite call
/// would. Sockets and timers belong to [`runtime`] (entered here), whose
/// worker polls the I/O; unlike `Runtime::block_on` this may be called
/// from inside another runtime.
fn block_on<F: Future>(f: F) -> F::Output {
    let _enter = runtime().enter();
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        if let Poll::Ready(out) = f.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}

/// A row holding a value the types do not know (a status, a severity): a
/// corrupt row, reported rather than a panic.
pub(crate) fn corrupt(column: &str, message: String) -> Failure {
    Failure::Refused(StoreError::Backend {
        database: "postgres".into(),
        source: BackendError::new(
            BackendErrorKind::Other,
            format!("column {column} holds an unknown value: {message}"),
        ),
    })
}

fn kind_of(e: &tokio_postgres::Error) -> BackendErrorKind {
    match e.code() {
        Some(c)
            if *c == SqlState::T_R_SERIALIZATION_FAILURE
                || *c == SqlState::T_R_DEADLOCK_DETECTED
                || *c == SqlState::LOCK_NOT_AVAILABLE =>
        {
            BackendErrorKind::Busy
        }
        Some(c) if c.code().starts_with("23") => BackendErrorKind::Constraint,
        _ => BackendErrorKind::Other,
    }
}

/// True when `e` is a unique violation of the named constraint or index.
pub(crate) fn violates(e: &tokio_postgres::Error, constraint: &str) -> bool {
    e.code() == Some(&SqlState::UNIQUE_VIOLATION)
        && e.as_db_error().and_then(|d| d.constraint()) == Some(constraint)
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user@host:port/db?sslmode=…`, or
    /// libpq's `key=value` form) and migrates the database. The password
    /// may come from `PGPASSWORD` instead of the URL, so it need not sit in
    /// a config file or a process listing. TLS: see [`tls`].
    pub fn open(url: &str) -> Result<PostgresStore, StoreError> {
        let (config, tls) = tls::config(url).map_err(|e| StoreError::Backend {
            database: "postgres".into(),
            source: BackendError::new(BackendErrorKind::Other, e),
        })?;
        let database = describe(&config);
        let manager = Manager::from_config(
            config,
            tls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = {
            let _enter = runtime().enter();
            Pool::builder(manager)
                .max_size(POOL_SIZE)
                .runtime(Runtime::Tokio1)
                .wait_timeout(Some(CONNECT_TIMEOUT))
                .create_timeout(Some(CONNECT_TIMEOUT))
                .build()
                .map_err(|e| StoreError::Backend {
                    database: database.clone(),
                    source: BackendError::new(BackendErrorKind::Other, e),
                })?
        };
        let store = PostgresStore {
            pool,
            database: database.into(),
        };
        store.migrate()?;
        Ok(store)
    }

    /// `host:port/dbname`, for messages.
    pub fn database(&self) -> &str {
        &self.database
    }

    fn err(&self, e: tokio_postgres::Error) -> StoreError {
        StoreError::Backend {
            database: self.database.to_string(),
            source: BackendError::new(kind_of(&e), e),
        }
    }

    fn pool_err(&self, e: deadpool_postgres::PoolError) -> StoreError {
        match e {
            deadpool_postgres::PoolError::Backend(e) => self.err(e),
            e => StoreError::Backend {
                database: self.database.to_string(),
                source: BackendError::new(BackendErrorKind::Busy, e),
            },
        }
    }

    /// Runs `f` on a pooled connection, outside any transaction (each
    /// statement sees the last commit).
    pub(crate) fn read<R>(
        &self,
        f: impl AsyncFnOnce(&deadpool_postgres::Client) -> Result<R, Failure>,
    ) -> Result<R, StoreError> {
        block_on(async {
            let client = self.pool.get().await.map_err(|e| self.pool_err(e))?;
            f(&client).await.map_err(|f| match f {
                Failure::Sql(e) => self.err(e),
                Failure::Refused(e) => e,
            })
        })
    }

    /// Runs `f` in one transaction on a pooled connection, committed when
    /// it returns `Ok` (and returning only once `COMMIT` did), rolled back
    /// otherwise.
    pub(crate) fn write<R>(
        &self,
        f: impl AsyncFnOnce(&Transaction<'_>) -> Result<R, Failure>,
    ) -> Result<R, StoreError> {
        block_on(async {
            let mut client = self.pool.get().await.map_err(|e| self.pool_err(e))?;
            let run = async {
                let tx = client.transaction().await?;
                let r = f(&tx).await?;
                tx.commit().await?;
                Ok(r)
            };
            run.await.map_err(|f| match f {
                Failure::Sql(e) => self.err(e),
                Failure::Refused(e) => e,
            })
        })
    }

    /// Applies the migrations this database lacks, all in one transaction
    /// holding an advisory lock: replicas starting at once wait for the
    /// first, then find the schema current, so each migration runs once.
    fn migrate(&self) -> Result<(), StoreError> {
        let known = schema::MIGRATIONS.len() as i64;
        let database = self.database.to_string();
        self.write(async |tx| {
            tx.execute(
                "SELECT pg_advisory_xact_lock($1)",
                &[&schema::MIGRATION_LOCK],
            )
            .await?;
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                     version BIGINT PRIMARY KEY,
                     applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                 )",
            )
            .await?;
            let found: i64 = tx
                .query_one(
                    "SELECT coalesce(max(version), 0) FROM schema_migrations",
                    &[],
                )
                .await?
                .get(0);
            if found > known {
                return Err(Failure::Refused(StoreError::TooNew {
                    path: database.into(),
                    found,
                    known,
                }));
            }
            for version in found + 1..=known {
                tx.batch_execute(schema::MIGRATIONS[version as usize - 1])
                    .await?;
                tx.execute(
                    "INSERT INTO schema_migrations (version) VALUES ($1)",
                    &[&version],
                )
                .await?;
            }
            Ok(())
        })
    }
}

/// `host:port/dbname` of a config, for messages: never the password.
fn describe(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("postgres");
    format!("postgres {host}:{port}/{db}")
}

/// Prepares `sql` once per connection (deadpool's statement cache) and
/// runs it: the helpers every area module queries with.
pub(crate) mod sql {
    use deadpool_postgres::GenericClient;
    use tokio_postgres::types::ToSql;
    use tokio_postgres::{Error, Row};

    pub(crate) type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

    pub(crate) async fn rows(
        c: &impl GenericClient,
        sql: &str,
        p: Params<'_>,
    ) -> Result<Vec<Row>, Error> {
        let s = c.prepare_cached(sql).await?;
        c.query(&s, p).await
    }

    pub(crate) async fn opt(
        c: &impl GenericClient,
        sql: &str,
        p: Params<'_>,
    ) -> Result<Option<Row>, Error> {
        let s = c.prepare_cached(sql).await?;
        c.query_opt(&s, p).await
    }

    pub(crate) async fn one(
        c: &impl GenericClient,
        sql: &str,
        p: Params<'_>,
    ) -> Result<Row, Error> {
        let s = c.prepare_cached(sql).await?;
        c.query_one(&s, p).await
    }

    pub(crate) async fn exec(
        c: &impl GenericClient,
        sql: &str,
        p: Params<'_>,
    ) -> Result<u64, Error> {
        let s = c.prepare_cached(sql).await?;
        c.execute(&s, p).await
    }
}
