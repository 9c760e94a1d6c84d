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

/// Units per second reserved by the bare conditional stock update checkout rests
/// on — `reserved + 1` where it stays within `on_hand`, one per committed
/// transaction — from `tasks` concurrent tasks on `db` for `seconds`, one stock row.
pub async fn conditional_stock_updates(
    db: &crate::Db,
    sku_id: carmine_core::Id,
    warehouse_id: carmine_core::Id,
    tasks: usize,
    seconds: f64,
) -> StoreResult<f64> {
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let mut handles = Vec::with_capacity(tasks);
    for _ in 0..tasks {
        let db = db.clone();
        handles.push(tokio::spawn(async move {
            let mut done = 0u64;
            while Instant::now() < deadline {
                let mut tx = db.begin().await?;
                let moved = sqlx::query(
                    "UPDATE stock SET reserved = reserved + 1
                     WHERE sku_id = $1 AND warehouse_id = $2 AND reserved + 1 <= on_hand",
                )
                .bind(sku_id.as_i64())
                .bind(warehouse_id.as_i64())
                .execute(tx.conn())
                .await?
                .rows_affected();
                tx.commit().await?;
                done += moved;
            }
            Ok::<u64, crate::StoreError>(done)
        }));
    }
    let mut total = 0;
    for handle in handles {
        total += handle.await.map_err(|e| crate::StoreError::from(sqlx::Error::Protocol(e.to_string())))??;
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

/// The search benchmark's peer: SQLite FTS5 over the same notes, fed text already
/// segmented by Carmine's analyzer (terms joined by spaces), so it finds the same
/// words; queried for the best `limit` by BM25 with every term required.
pub struct Fts5Peer {
    conn: sqlx::AnyConnection,
    path: std::path::PathBuf,
}

impl Fts5Peer {
    /// A fresh FTS5 table in a new SQLite file at `path`.
    pub async fn create(path: &Path) -> StoreResult<Fts5Peer> {
        sqlx::any::install_default_drivers();
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let mut conn = sqlx::AnyConnection::connect(&url).await?;
        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;").await?;
        conn.execute("CREATE VIRTUAL TABLE notes_fts USING fts5(title, body, tokenize = 'unicode61')").await?;
        Ok(Fts5Peer { conn, path: path.to_owned() })
    }

    /// Adds `(rowid, segmented title, segmented body)` rows in one transaction.
    pub async fn insert(&mut self, rows: &[(i64, String, String)]) -> StoreResult<()> {
        let mut tx = self.conn.begin().await?;
        for (rowid, title, body) in rows {
            sqlx::query("INSERT INTO notes_fts (rowid, title, body) VALUES ($1, $2, $3)")
                .bind(*rowid)
                .bind(title)
                .bind(body)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Merges the index's segments (as a rebuilt tantivy index would be).
    pub async fn optimize(&mut self) -> StoreResult<()> {
        self.conn.execute("INSERT INTO notes_fts (notes_fts) VALUES ('optimize')").await?;
        Ok(())
    }

    /// The best `limit` rowids for the terms (all required), by BM25.
    pub async fn top(&mut self, terms: &[String], limit: i64) -> StoreResult<Vec<i64>> {
        let query: Vec<String> = terms.iter().map(|t| format!("\"{}\"", t.replace('"', "\"\""))).collect();
        let rows = sqlx::query("SELECT rowid FROM notes_fts WHERE notes_fts MATCH $1 ORDER BY rank LIMIT $2")
            .bind(query.join(" AND "))
            .bind(limit)
            .fetch_all(&mut self.conn)
            .await?;
        Ok(rows.iter().map(|r| sqlx::Row::try_get::<i64, _>(r, 0)).collect::<Result<_, _>>()?)
    }

    /// Closes and deletes the file.
    pub async fn remove(self) -> StoreResult<()> {
        self.conn.close().await?;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.path.display()));
        }
        Ok(())
    }
}
