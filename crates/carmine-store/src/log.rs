//! The ordered logs consumers read, and their checkpoints.
//!
//! Two logs: `domain` (the outbox) and `behaviour` (client behaviour events). Writers
//! insert rows with no position; [`sequence`] numbers the committed ones, oldest id
//! first, in one transaction that holds the log's head row. A row that commits later
//! therefore always lands above every position already handed out, so a consumer that
//! has read up to N never finds a new row below N — no gaps, no skipped events, on
//! both backends, whatever order concurrent transactions commit in.

use carmine_core::Timestamp;
use sqlx::Row;

use crate::{Conn, StoreResult, Tx};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Log {
    /// The outbox of domain events.
    Domain,
    /// Client behaviour events (impressions, reads, clicks, shares).
    Behaviour,
}

impl Log {
    pub const ALL: [Log; 2] = [Log::Domain, Log::Behaviour];

    pub fn name(self) -> &'static str {
        match self {
            Log::Domain => "domain",
            Log::Behaviour => "behaviour",
        }
    }

    pub fn parse(name: &str) -> Option<Log> {
        Log::ALL.into_iter().find(|log| log.name() == name)
    }
}

/// Numbers up to `limit` committed, unnumbered rows of `log`; returns the new head
/// (the highest position handed out). Call it in a transaction of its own.
pub async fn sequence(tx: &mut Tx, log: Log, limit: u32) -> StoreResult<i64> {
    // The no-op update takes the head row's lock: one sequencer per log at a time.
    sqlx::query("UPDATE log_heads SET seq = seq WHERE log = $1").bind(log.name()).execute(tx.conn()).await?;
    let head: i64 = sqlx::query("SELECT seq FROM log_heads WHERE log = $1")
        .bind(log.name())
        .fetch_one(tx.conn())
        .await?
        .try_get(0)?;
    let numbered = sqlx::query(match log {
        Log::Domain => {
            "UPDATE outbox SET seq = numbered.position
             FROM (SELECT id, $1 + ROW_NUMBER() OVER (ORDER BY id) AS position
                   FROM outbox WHERE seq IS NULL ORDER BY id LIMIT $2) AS numbered
             WHERE outbox.id = numbered.id"
        }
        Log::Behaviour => {
            "UPDATE behaviour_events SET seq = numbered.position
             FROM (SELECT id, $1 + ROW_NUMBER() OVER (ORDER BY id) AS position
                   FROM behaviour_events WHERE seq IS NULL ORDER BY id LIMIT $2) AS numbered
             WHERE behaviour_events.id = numbered.id"
        }
    })
    .bind(head)
    .bind(i64::from(limit))
    .execute(tx.conn())
    .await?
    .rows_affected();
    let head = head + numbered as i64;
    if numbered > 0 {
        sqlx::query("UPDATE log_heads SET seq = $1 WHERE log = $2")
            .bind(head)
            .bind(log.name())
            .execute(tx.conn())
            .await?;
    }
    Ok(head)
}

/// The highest position handed out in `log` (0 when empty).
pub async fn head(conn: &mut Conn, log: Log) -> StoreResult<i64> {
    Ok(sqlx::query("SELECT seq FROM log_heads WHERE log = $1").bind(log.name()).fetch_one(conn).await?.try_get(0)?)
}

/// How many committed rows of `log` the sequencer has not numbered yet.
pub async fn unsequenced(conn: &mut Conn, log: Log) -> StoreResult<i64> {
    let row = sqlx::query(match log {
        Log::Domain => "SELECT COUNT(*) FROM outbox WHERE seq IS NULL",
        Log::Behaviour => "SELECT COUNT(*) FROM behaviour_events WHERE seq IS NULL",
    })
    .fetch_one(conn)
    .await?;
    Ok(row.try_get(0)?)
}

/// A consumer's checkpoint: the last position it has applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub consumer: String,
    pub log: String,
    pub position: i64,
    pub updated_at: Timestamp,
}

pub async fn checkpoint(conn: &mut Conn, consumer: &str) -> StoreResult<Option<i64>> {
    let row = sqlx::query("SELECT position FROM consumer_checkpoints WHERE consumer = $1")
        .bind(consumer)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

/// Starts applying a batch: locks the consumer's checkpoint row (creating it at 0)
/// and checks it is still at `expected`. False means another runner moved it (then
/// roll back and reread); true holds the row until the transaction ends, so two
/// nodes never apply the same batch.
pub async fn hold_checkpoint(tx: &mut Tx, consumer: &str, log: Log, expected: i64) -> StoreResult<bool> {
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO consumer_checkpoints (consumer, log, position, updated_at) VALUES ($1, $2, 0, $3)
         ON CONFLICT (consumer) DO NOTHING",
    )
    .bind(consumer)
    .bind(log.name())
    .bind(now)
    .execute(tx.conn())
    .await?;
    let held = sqlx::query("UPDATE consumer_checkpoints SET updated_at = $1 WHERE consumer = $2 AND position = $3")
        .bind(now)
        .bind(consumer)
        .bind(expected)
        .execute(tx.conn())
        .await?;
    Ok(held.rows_affected() == 1)
}

/// Moves a held checkpoint, in the transaction that applied what it covers.
pub async fn save_checkpoint(tx: &mut Tx, consumer: &str, position: i64) -> StoreResult<()> {
    sqlx::query("UPDATE consumer_checkpoints SET position = $1 WHERE consumer = $2")
        .bind(position)
        .bind(consumer)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn checkpoints(conn: &mut Conn) -> StoreResult<Vec<Checkpoint>> {
    let rows = sqlx::query("SELECT consumer, log, position, updated_at FROM consumer_checkpoints ORDER BY consumer")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(Checkpoint {
                consumer: row.try_get("consumer")?,
                log: row.try_get("log")?,
                position: row.try_get("position")?,
                updated_at: Timestamp(row.try_get("updated_at")?),
            })
        })
        .collect()
}
