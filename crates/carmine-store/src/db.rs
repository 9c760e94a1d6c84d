//! The database handle, its pools and its transactions.
//!
//! SQLite: one writer connection (every write transaction starts `BEGIN IMMEDIATE`,
//! so a transaction never fails late with SQLITE_BUSY) and a pool of readers that
//! refuse writes (`query_only`). WAL, foreign keys, a busy timeout and
//! `synchronous=FULL` on every connection. PostgreSQL: one pool for both.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use carmine_core::event::DomainEvent;
use carmine_core::{Clock, Id, IdGenerator, Timestamp};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, AssertSqlSafe, ConnectOptions, Executor};
use tokio::sync::Notify;

use crate::StoreResult;

pub type Conn = sqlx::AnyConnection;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// How to open the database.
#[derive(Clone, Debug)]
pub struct DbOptions {
    /// `sqlite://PATH` or `postgres://…`; anything else is refused.
    pub url: String,
    /// PostgreSQL only: run everything inside this schema (tests use one per test).
    pub pg_schema: Option<String>,
    pub max_connections: u32,
}

impl DbOptions {
    pub fn new(url: impl Into<String>) -> Self {
        DbOptions { url: url.into(), pg_schema: None, max_connections: 8 }
    }

    /// The default embedded database: `carmine.db` in the data directory.
    pub fn sqlite_in(data_dir: &Path) -> Self {
        DbOptions::new(format!("sqlite://{}", data_dir.join("carmine.db").display()))
    }

    /// Which backend a URL names, or a message saying why it is refused.
    pub fn backend(&self) -> Result<Backend, String> {
        let url = self.url.as_str();
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() || path.contains('?') {
                return Err(format!("sqlite URL must be sqlite://PATH with no options, got {url:?}"));
            }
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err("database URL must start with sqlite:// or postgres:// (other databases are not supported)".to_owned())
        }
    }
}

/// A handle to the database: cheap to clone, shared by the whole process.
#[derive(Clone)]
pub struct Db {
    backend: Backend,
    reader: AnyPool,
    writer: AnyPool,
    ids: Arc<IdGenerator>,
    clock: Clock,
    log_written: Arc<Notify>,
}

impl Db {
    pub async fn connect(options: &DbOptions, ids: Arc<IdGenerator>, clock: Clock) -> Result<Db, String> {
        sqlx::any::install_default_drivers();
        let backend = options.backend()?;
        let fail = |e: sqlx::Error| format!("cannot open the {} database: {e}", backend.name());
        let (reader, writer) = match backend {
            Backend::Sqlite => {
                let url = format!("{}?mode=rwc", options.url);
                let connect = AnyConnectOptions::from_url(&url.parse().map_err(|e| format!("{e}"))?)
                    .map_err(fail)?
                    .disable_statement_logging();
                let writer = AnyPoolOptions::new()
                    .max_connections(1)
                    .after_connect(|conn, _| Box::pin(async move { sqlite_pragmas(conn, false).await }))
                    .connect_with(connect.clone())
                    .await
                    .map_err(fail)?;
                // The writer has created the file and switched it to WAL before readers open it.
                let reader = AnyPoolOptions::new()
                    .max_connections(options.max_connections.max(2))
                    .after_connect(|conn, _| Box::pin(async move { sqlite_pragmas(conn, true).await }))
                    .connect_with(connect)
                    .await
                    .map_err(fail)?;
                (reader, writer)
            }
            Backend::Postgres => {
                let connect = AnyConnectOptions::from_url(&options.url.parse().map_err(|e| format!("{e}"))?)
                    .map_err(fail)?
                    .disable_statement_logging();
                let schema = options.pg_schema.clone();
                let pool = AnyPoolOptions::new()
                    .max_connections(options.max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(move |conn, _| {
                        let schema = schema.clone();
                        Box::pin(async move {
                            conn.execute("SET synchronous_commit = on").await?;
                            if let Some(schema) = schema {
                                conn.execute(AssertSqlSafe(format!(
                                    "SET search_path TO \"{}\"",
                                    schema.replace('"', "")
                                )))
                                .await?;
                            }
                            Ok(())
                        })
                    })
                    .connect_with(connect)
                    .await
                    .map_err(fail)?;
                (pool.clone(), pool)
            }
        };
        Ok(Db { backend, reader, writer, ids, clock, log_written: Arc::new(Notify::new()) })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The same database, read through another clock (the demo seeder writes history).
    pub fn with_clock(&self, clock: Clock) -> Db {
        Db { clock, ..self.clone() }
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn new_id(&self) -> Id {
        self.ids.next_id(self.clock.now().micros() / 1_000)
    }

    /// A connection for reads outside a transaction.
    pub async fn reader(&self) -> StoreResult<PoolConnection<Any>> {
        Ok(self.reader.acquire().await?)
    }

    /// Starts a write transaction. Commit it with [`Tx::commit`]; dropping it rolls back.
    pub async fn begin(&self) -> StoreResult<Tx> {
        let inner = match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.writer.begin().await?,
        };
        Ok(Tx { inner, db: self.clone(), now: self.clock.now(), wrote_log: false })
    }

    /// Signalled after a transaction that appended to a log commits in this process
    /// (the sequencer waits on it; other nodes' writes are found by polling).
    pub fn log_written(&self) -> &Notify {
        &self.log_written
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> bool {
        match self.reader.acquire().await {
            Ok(mut conn) => sqlx::query("SELECT 1").execute(&mut *conn).await.is_ok(),
            Err(_) => false,
        }
    }

    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}

/// SQLite's default page cache is 2 MB; a 1M-note community's indexes need far
/// more to stay fast (negative: KiB per connection, allocated as used).
async fn sqlite_pragmas(conn: &mut Conn, read_only: bool) -> Result<(), sqlx::Error> {
    conn.execute(
        "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = FULL;
         PRAGMA cache_size = -65536;",
    )
    .await?;
    if read_only {
        conn.execute("PRAGMA query_only = ON").await?;
    }
    Ok(())
}

/// One write transaction. Carries the time it started (so every row it writes
/// agrees on "now") and generates ids. Every state change appends its event with
/// [`Tx::emit`] before [`Tx::commit`].
pub struct Tx {
    inner: sqlx::Transaction<'static, Any>,
    db: Db,
    now: Timestamp,
    wrote_log: bool,
}

impl Tx {
    pub fn conn(&mut self) -> &mut Conn {
        &mut self.inner
    }

    pub fn now(&self) -> Timestamp {
        self.now
    }

    pub fn new_id(&self) -> Id {
        self.db.new_id()
    }

    /// Importers writing history: rows and events written next carry `at` as their time.
    pub fn backdate(&mut self, at: Timestamp) {
        self.now = at;
    }

    pub fn backend(&self) -> Backend {
        self.db.backend
    }

    /// Appends a domain event to the outbox inside this transaction.
    pub async fn emit(&mut self, event: DomainEvent) -> StoreResult<()> {
        crate::outbox::append(self, &event).await
    }

    /// Records that this transaction appended to a log, so committing wakes the sequencer.
    pub(crate) fn mark_log_written(&mut self) {
        self.wrote_log = true;
    }

    /// Marks a point this transaction can roll back to ([`Tx::rollback_to`]) while
    /// keeping what came before it: one item of a group commit failing alone.
    pub async fn savepoint(&mut self) -> StoreResult<()> {
        self.inner.execute("SAVEPOINT item").await?;
        Ok(())
    }

    /// Undoes everything since the last [`Tx::savepoint`] and forgets it.
    pub async fn rollback_to_savepoint(&mut self) -> StoreResult<()> {
        self.inner.execute("ROLLBACK TO SAVEPOINT item").await?;
        self.inner.execute("RELEASE SAVEPOINT item").await?;
        Ok(())
    }

    /// Keeps everything since the last [`Tx::savepoint`] and forgets it.
    pub async fn release_savepoint(&mut self) -> StoreResult<()> {
        self.inner.execute("RELEASE SAVEPOINT item").await?;
        Ok(())
    }

    pub async fn commit(self) -> StoreResult<()> {
        self.inner.commit().await?;
        if self.wrote_log {
            self.db.log_written.notify_one();
        }
        Ok(())
    }
}
