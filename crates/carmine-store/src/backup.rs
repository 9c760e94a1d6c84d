//! Database-level pieces of backup and restore: a consistent SQLite snapshot taken
//! while the instance keeps serving, and forgetting derived state so it is rebuilt
//! from the logs after a restore.

use std::path::Path;

use sqlx::Executor;
use sqlx::pool::PoolConnection;

use crate::{Backend, Db, StoreResult, Tx};

/// Writes a consistent copy of the SQLite database to `dest` (which must not exist).
/// `VACUUM INTO` reads inside one transaction, so writers go on meanwhile (WAL).
pub async fn sqlite_snapshot(db: &Db, dest: &Path) -> StoreResult<()> {
    assert_eq!(db.backend(), Backend::Sqlite, "sqlite_snapshot on PostgreSQL: use pg_dump");
    let mut conn: PoolConnection<sqlx::Any> = db.reader().await?;
    // Readers refuse writes; this one writes only the new file, then it is closed.
    conn.execute("PRAGMA query_only = OFF").await?;
    let result = sqlx::query("VACUUM INTO $1").bind(dest.display().to_string()).execute(&mut *conn).await;
    drop(conn.detach());
    result?;
    Ok(())
}

/// Deletes every table derived from the logs and every consumer checkpoint, so the
/// consumers rebuild them from position 0 (after a restore, or to recompute).
pub async fn forget_derived_state(tx: &mut Tx) -> StoreResult<()> {
    for statement in [
        "DELETE FROM note_stats_hourly",
        "DELETE FROM note_stats_daily",
        "DELETE FROM note_stats",
        "DELETE FROM search_query_hourly",
        "DELETE FROM search_query_searchers",
        "DELETE FROM ad_engagements",
        "DELETE FROM consumer_checkpoints",
    ] {
        sqlx::query(statement).execute(tx.conn()).await?;
    }
    Ok(())
}
