//! Members following actors (members or organizations).

use carmine_core::Id;
use sqlx::Row;

use crate::{Conn, StoreResult, Tx};

/// True if this created the follow (false: it already existed).
pub async fn insert(tx: &mut Tx, follower_id: Id, followee_id: Id) -> StoreResult<bool> {
    let now = tx.now().micros();
    let result = sqlx::query(
        "INSERT INTO follows (follower_id, followee_id, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (follower_id, followee_id) DO NOTHING",
    )
    .bind(follower_id.as_i64())
    .bind(followee_id.as_i64())
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(result.rows_affected() == 1)
}

/// True if a follow was removed.
pub async fn delete(tx: &mut Tx, follower_id: Id, followee_id: Id) -> StoreResult<bool> {
    let result = sqlx::query("DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2")
        .bind(follower_id.as_i64())
        .bind(followee_id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn exists(conn: &mut Conn, follower_id: Id, followee_id: Id) -> StoreResult<bool> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM follows WHERE follower_id = $1 AND followee_id = $2")
        .bind(follower_id.as_i64())
        .bind(followee_id.as_i64())
        .fetch_one(conn)
        .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// (followers of `actor_id`, actors that `actor_id` follows — members only follow).
pub async fn counts(conn: &mut Conn, actor_id: Id) -> StoreResult<(i64, i64)> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM follows WHERE followee_id = $1) AS followers,
                (SELECT COUNT(*) FROM follows WHERE follower_id = $1) AS following",
    )
    .bind(actor_id.as_i64())
    .fetch_one(conn)
    .await?;
    Ok((row.try_get("followers")?, row.try_get("following")?))
}
