//! Likes on comments, and the comment's like counter changed in the same transaction.

use carmine_core::Id;
use sqlx::Row;

use crate::{Conn, StoreResult, Tx};

/// Likes a comment once; true if this like is new (then the counter went up by one).
pub async fn insert(tx: &mut Tx, user_id: Id, comment_id: Id) -> StoreResult<bool> {
    let now = tx.now().micros();
    let inserted = sqlx::query(
        "INSERT INTO comment_likes (user_id, comment_id, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, comment_id) DO NOTHING",
    )
    .bind(user_id.as_i64())
    .bind(comment_id.as_i64())
    .bind(now)
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1;
    if inserted {
        adjust(tx, comment_id, 1).await?;
    }
    Ok(inserted)
}

/// Takes a like back; true if there was one (then the counter went down by one).
pub async fn delete(tx: &mut Tx, user_id: Id, comment_id: Id) -> StoreResult<bool> {
    let deleted = sqlx::query("DELETE FROM comment_likes WHERE user_id = $1 AND comment_id = $2")
        .bind(user_id.as_i64())
        .bind(comment_id.as_i64())
        .execute(tx.conn())
        .await?
        .rows_affected()
        == 1;
    if deleted {
        adjust(tx, comment_id, -1).await?;
    }
    Ok(deleted)
}

async fn adjust(tx: &mut Tx, comment_id: Id, by: i64) -> StoreResult<()> {
    sqlx::query("UPDATE comments SET like_count = like_count + $1 WHERE id = $2")
        .bind(by)
        .bind(comment_id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The comment's like counter as stored.
pub async fn count(conn: &mut Conn, comment_id: Id) -> StoreResult<i64> {
    let row = sqlx::query("SELECT like_count FROM comments WHERE id = $1")
        .bind(comment_id.as_i64())
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.try_get("like_count")).transpose()?.unwrap_or(0))
}

/// The counter recomputed from the rows (to check the stored one).
pub async fn count_rows(conn: &mut Conn, comment_id: Id) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM comment_likes WHERE comment_id = $1")
        .bind(comment_id.as_i64())
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

/// Which of `comments` the member liked (a page's worth: the first 100 are looked at).
pub async fn liked_among(conn: &mut Conn, user_id: Id, comments: &[Id]) -> StoreResult<Vec<Id>> {
    let comments = &comments[..comments.len().min(100)];
    let (Some(low), Some(high)) = (comments.iter().min(), comments.iter().max()) else {
        return Ok(Vec::new());
    };
    let rows = sqlx::query(
        "SELECT comment_id FROM comment_likes WHERE user_id = $1 AND comment_id >= $2 AND comment_id <= $3",
    )
    .bind(user_id.as_i64())
    .bind(low.as_i64())
    .bind(high.as_i64())
    .fetch_all(conn)
    .await?;
    let mut liked = Vec::new();
    for row in rows {
        let id = Id::from_i64(row.try_get("comment_id")?);
        if comments.contains(&id) {
            liked.push(id);
        }
    }
    Ok(liked)
}
