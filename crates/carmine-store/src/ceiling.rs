//! Ceilings for the benchmarks (`carmine bench`): the same database doing the least
//! work that could carry a feature, measured in the same run as the feature.

use std::path::Path;
use std::time::{Duration, Instant};

use sqlx::{Connection, Executor};

use crate::StoreResult;

/// Rows per second inserted into a fresh SQLite file at `path` (WAL,
/// `synchronous=FULL`, like Carmine's own), `per_transaction` rows per commit,
/// for `seconds`. Rows look like behaviour events.
pub async fn sqlite_batched_inserts(path: &Path, per_transaction: usize, seconds: f64) -> StoreResult<f64> {
    sqlx::any::install_default_drivers();
    let _ = std::fs::remove_file(path);
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let mut conn = sqlx::AnyConnection::connect(&url).await?;
    conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;").await?;
    conn.execute(
        "CREATE TABLE events (id INTEGER PRIMARY KEY, viewer_key INTEGER NOT NULL, client_event_id TEXT NOT NULL,
                              kind TEXT NOT NULL, note_id INTEGER NOT NULL, surface TEXT NOT NULL, occurred_at INTEGER NOT NULL,
                              UNIQUE (viewer_key, client_event_id))",
    )
    .await?;
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let mut rows = 0i64;
    while Instant::now() < deadline {
        let mut tx = conn.begin().await?;
        for _ in 0..per_transaction {
            sqlx::query(
                "INSERT INTO events (id, viewer_key, client_event_id, kind, note_id, surface, occurred_at)
                 VALUES ($1, $2, $3, 'impression', $4, 'home', $5)",
            )
            .bind(rows)
            .bind(rows % 1000)
            .bind(format!("c{rows}"))
            .bind(rows % 5000)
            .bind(rows)
            .execute(&mut *tx)
            .await?;
            rows += 1;
        }
        tx.commit().await?;
    }
    let rate = rows as f64 / started.elapsed().as_secs_f64();
    conn.close().await?;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Ok(rate)
}
