//! Durable timed jobs: one row per (kind, key), claimed under a lease.
//!
//! A runner claims a due job with one conditional `UPDATE` (so two nodes never both
//! hold it), runs it, and records the outcome only if it still holds the lease — in
//! the same transaction as the job's effect, so an effect is applied exactly once.

use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, StoreResult, Tx};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobRecord {
    pub id: Id,
    pub kind: String,
    pub key: String,
    pub payload: String,
    /// `pending`, `running`, `done`, `failed` or `cancelled`.
    pub state: String,
    pub run_at: Timestamp,
    pub attempts: i64,
    pub max_attempts: i64,
    pub lease_owner: Option<String>,
    pub lease_until: Option<Timestamp>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

macro_rules! select_jobs {
    ($($rest:literal)*) => {
        concat!(
            "SELECT id, kind, key, payload, state, run_at, attempts, max_attempts, lease_owner, lease_until,
                    last_error, created_at, updated_at FROM jobs ",
            $($rest),*
        )
    };
}

fn from_row(row: &AnyRow) -> Result<JobRecord, sqlx::Error> {
    Ok(JobRecord {
        id: Id::from_i64(row.try_get("id")?),
        kind: row.try_get("kind")?,
        key: row.try_get("key")?,
        payload: row.try_get("payload")?,
        state: row.try_get("state")?,
        run_at: Timestamp(row.try_get("run_at")?),
        attempts: row.try_get("attempts")?,
        max_attempts: row.try_get("max_attempts")?,
        lease_owner: row.try_get("lease_owner")?,
        lease_until: row.try_get::<Option<i64>, _>("lease_until")?.map(Timestamp),
        last_error: row.try_get("last_error")?,
        created_at: Timestamp(row.try_get("created_at")?),
        updated_at: Timestamp(row.try_get("updated_at")?),
    })
}

/// Schedules `kind`/`key` to run at `run_at`, replacing any earlier schedule of the
/// same job (a running attempt then loses its lease and its outcome is discarded).
pub async fn schedule(
    tx: &mut Tx,
    kind: &str,
    key: &str,
    payload: &str,
    run_at: Timestamp,
    max_attempts: i64,
) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO jobs (id, kind, key, payload, state, run_at, max_attempts, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $7)
         ON CONFLICT (kind, key) DO UPDATE SET
             payload = excluded.payload, state = 'pending', run_at = excluded.run_at, attempts = 0,
             max_attempts = excluded.max_attempts, lease_owner = NULL, lease_until = NULL, last_error = NULL,
             updated_at = excluded.updated_at",
    )
    .bind(tx.new_id().as_i64())
    .bind(kind)
    .bind(key)
    .bind(payload)
    .bind(run_at.micros())
    .bind(max_attempts)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Creates a recurring job's row the first time; later calls leave it alone.
pub async fn ensure(tx: &mut Tx, kind: &str, key: &str, run_at: Timestamp, max_attempts: i64) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO jobs (id, kind, key, payload, state, run_at, max_attempts, created_at, updated_at)
         VALUES ($1, $2, $3, '{}', 'pending', $4, $5, $6, $6)
         ON CONFLICT (kind, key) DO NOTHING",
    )
    .bind(tx.new_id().as_i64())
    .bind(kind)
    .bind(key)
    .bind(run_at.micros())
    .bind(max_attempts)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Cancels a job that has not finished; true if there was one.
pub async fn cancel(tx: &mut Tx, kind: &str, key: &str) -> StoreResult<bool> {
    let now = tx.now().micros();
    let cancelled = sqlx::query(
        "UPDATE jobs SET state = 'cancelled', lease_owner = NULL, lease_until = NULL, updated_at = $1
         WHERE kind = $2 AND key = $3 AND state IN ('pending', 'running')",
    )
    .bind(now)
    .bind(kind)
    .bind(key)
    .execute(tx.conn())
    .await?;
    Ok(cancelled.rows_affected() == 1)
}

/// Claims the job due longest ago (pending and due, or running with an expired
/// lease) for `owner` until `lease_until`, counting an attempt.
pub async fn claim(tx: &mut Tx, owner: &str, lease_until: Timestamp) -> StoreResult<Option<JobRecord>> {
    let now = tx.now().micros();
    // Another node may claim the candidate between the read and the conditional
    // update; then look again (each statement sees what has committed since).
    for _ in 0..8 {
        let row = sqlx::query(select_jobs!(
            "WHERE (state = 'pending' AND run_at <= $1) OR (state = 'running' AND lease_until < $1)
             ORDER BY run_at, id LIMIT 1"
        ))
        .bind(now)
        .fetch_optional(tx.conn())
        .await?;
        let Some(candidate) = row.map(|r| from_row(&r)).transpose()? else { return Ok(None) };
        let claimed = sqlx::query(
            "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, attempts = attempts + 1,
                             updated_at = $3
             WHERE id = $4 AND ((state = 'pending' AND run_at <= $3) OR (state = 'running' AND lease_until < $3))",
        )
        .bind(owner)
        .bind(lease_until.micros())
        .bind(now)
        .bind(candidate.id.as_i64())
        .execute(tx.conn())
        .await?
        .rows_affected()
            == 1;
        if claimed {
            return Ok(Some(JobRecord {
                state: "running".to_owned(),
                attempts: candidate.attempts + 1,
                lease_owner: Some(owner.to_owned()),
                lease_until: Some(lease_until),
                updated_at: Timestamp(now),
                ..candidate
            }));
        }
    }
    Ok(None)
}

/// Records success if `owner` still holds the job's lease: done, or pending again at
/// `next_run` for a recurring job. False (and nothing changed) if the lease was lost.
pub async fn complete(tx: &mut Tx, id: Id, owner: &str, next_run: Option<Timestamp>) -> StoreResult<bool> {
    let now = tx.now().micros();
    let done = sqlx::query(
        "UPDATE jobs SET state = CASE WHEN $1 IS NULL THEN 'done' ELSE 'pending' END,
                         run_at = COALESCE($1, run_at), attempts = CASE WHEN $1 IS NULL THEN attempts ELSE 0 END,
                         lease_owner = NULL, lease_until = NULL, last_error = NULL, updated_at = $2
         WHERE id = $3 AND state = 'running' AND lease_owner = $4",
    )
    .bind(next_run.map(Timestamp::micros))
    .bind(now)
    .bind(id.as_i64())
    .bind(owner)
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a failed attempt if `owner` still holds the lease: pending again at
/// `retry_at`, or `failed` for good when `retry_at` is `None`.
pub async fn fail(tx: &mut Tx, id: Id, owner: &str, error: &str, retry_at: Option<Timestamp>) -> StoreResult<bool> {
    let now = tx.now().micros();
    let failed = sqlx::query(
        "UPDATE jobs SET state = CASE WHEN $1 IS NULL THEN 'failed' ELSE 'pending' END, run_at = COALESCE($1, run_at),
                         lease_owner = NULL, lease_until = NULL, last_error = $2, updated_at = $3
         WHERE id = $4 AND state = 'running' AND lease_owner = $5",
    )
    .bind(retry_at.map(Timestamp::micros))
    .bind(error)
    .bind(now)
    .bind(id.as_i64())
    .bind(owner)
    .execute(tx.conn())
    .await?;
    Ok(failed.rows_affected() == 1)
}

pub async fn get(conn: &mut Conn, kind: &str, key: &str) -> StoreResult<Option<JobRecord>> {
    let row =
        sqlx::query(select_jobs!("WHERE kind = $1 AND key = $2")).bind(kind).bind(key).fetch_optional(conn).await?;
    Ok(row.map(|r| from_row(&r)).transpose()?)
}

/// Jobs in `state` (any state when `None`), soonest first, at most `limit`.
pub async fn list(conn: &mut Conn, state: Option<&str>, limit: u32) -> StoreResult<Vec<JobRecord>> {
    let rows = sqlx::query(select_jobs!("WHERE $1 IS NULL OR state = $1 ORDER BY run_at DESC, id DESC LIMIT $2"))
        .bind(state)
        .bind(i64::from(limit))
        .fetch_all(conn)
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// When the next pending job is due, if any (the runner sleeps until then).
pub async fn next_due(conn: &mut Conn) -> StoreResult<Option<Timestamp>> {
    let row = sqlx::query("SELECT MIN(run_at) FROM jobs WHERE state = 'pending'").fetch_one(conn).await?;
    Ok(row.try_get::<Option<i64>, _>(0)?.map(Timestamp))
}

/// How many jobs are in each state.
pub async fn counts(conn: &mut Conn) -> StoreResult<Vec<(String, i64)>> {
    let rows =
        sqlx::query("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state ORDER BY state").fetch_all(conn).await?;
    rows.iter().map(|r| Ok((r.try_get("state")?, r.try_get("n")?))).collect()
}

/// Every state a job can be in.
pub const STATES: &[&str] = &["pending", "running", "done", "failed", "cancelled"];

/// Makes a failed job pending again, due now, attempts reset; false if no such failed job.
pub async fn retry(tx: &mut Tx, id: Id) -> StoreResult<bool> {
    let now = tx.now().micros();
    let retried = sqlx::query(
        "UPDATE jobs SET state = 'pending', run_at = $1, attempts = 0, updated_at = $1 WHERE id = $2 AND state = 'failed'",
    )
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?;
    Ok(retried.rows_affected() == 1)
}
