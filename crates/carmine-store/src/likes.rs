//! Likes, and the note's like counter changed in the same transaction.

use carmine_core::Id;
use sqlx::Row;

use crate::notes::{self, Counter};
use crate::{Conn, StoreResult, Tx};

/// Likes a note once; true if this like is new (then the counter went up by one).
pub async fn insert(tx: &mut Tx, user_id: Id, note_id: Id) -> StoreResult<bool> {
    let now = tx.now().micros();
    let inserted = sqlx::query(
        "INSERT INTO likes (user_id, note_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (user_id, note_id) DO NOTHING",
    )
    .bind(user_id.as_i64())
    .bind(note_id.as_i64())
    .bind(now)
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1;
    if inserted {
        notes::adjust(tx, note_id, Counter::Likes, 1).await?;
    }
    Ok(inserted)
}

/// Removes a like; true if there was one (then the counter went down by one).
pub async fn delete(tx: &mut Tx, user_id: Id, note_id: Id) -> StoreResult<bool> {
    let deleted = sqlx::query("DELETE FROM likes WHERE user_id = $1 AND note_id = $2")
        .bind(user_id.as_i64())
        .bind(note_id.as_i64())
        .execute(tx.conn())
        .await?
        .rows_affected()
        == 1;
    if deleted {
        notes::adjust(tx, note_id, Counter::Likes, -1).await?;
    }
    Ok(deleted)
}

pub async fn exists(conn: &mut Conn, user_id: Id, note_id: Id) -> StoreResult<bool> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM likes WHERE user_id = $1 AND note_id = $2")
        .bind(user_id.as_i64())
        .bind(note_id.as_i64())
        .fetch_one(conn)
        .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// The counter recomputed from the rows (to check the stored one).
pub async fn count(conn: &mut Conn, note_id: Id) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM likes WHERE note_id = $1")
        .bind(note_id.as_i64())
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

/// The notes a member liked, most recent like first: (note, when liked), before a
/// like time (µs) for the next page.
pub async fn liked_by(conn: &mut Conn, user_id: Id, before: Option<i64>, limit: u32) -> StoreResult<Vec<(Id, i64)>> {
    let rows = sqlx::query(
        "SELECT note_id, created_at FROM likes WHERE user_id = $1 AND created_at < $2
         ORDER BY created_at DESC, note_id DESC LIMIT $3",
    )
    .bind(user_id.as_i64())
    .bind(before.unwrap_or(i64::MAX))
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| Ok((Id::from_i64(row.try_get("note_id")?), row.try_get("created_at")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}
