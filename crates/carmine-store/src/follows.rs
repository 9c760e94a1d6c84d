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

/// A follower or a followed actor, for lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowEntry {
    pub actor_id: Id,
    pub handle: String,
    pub kind: String,
    pub name: String,
    pub since: i64,
}

fn entries(rows: &[sqlx::any::AnyRow]) -> StoreResult<Vec<FollowEntry>> {
    rows.iter()
        .map(|row| {
            Ok(FollowEntry {
                actor_id: Id::from_i64(row.try_get("id")?),
                handle: row.try_get::<Option<String>, _>("handle")?.unwrap_or_default(),
                kind: row.try_get("kind")?,
                name: row.try_get("name")?,
                since: row.try_get("created_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Who follows `actor_id`, newest first, before the follow time `before`.
pub async fn followers(
    conn: &mut Conn,
    actor_id: Id,
    before: Option<i64>,
    limit: u32,
) -> StoreResult<Vec<FollowEntry>> {
    let rows = sqlx::query(
        "SELECT a.id, a.handle, a.kind, COALESCE(u.display_name, '') AS name, f.created_at
         FROM follows f JOIN actors a ON a.id = f.follower_id JOIN users u ON u.id = a.id
         WHERE f.followee_id = $1 AND a.deleted_at IS NULL AND f.created_at < $2
         ORDER BY f.created_at DESC LIMIT $3",
    )
    .bind(actor_id.as_i64())
    .bind(before.unwrap_or(i64::MAX))
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    entries(&rows)
}

/// Whom `user_id` follows, newest first.
pub async fn following(conn: &mut Conn, user_id: Id, before: Option<i64>, limit: u32) -> StoreResult<Vec<FollowEntry>> {
    let rows = sqlx::query(
        "SELECT a.id, a.handle, a.kind, COALESCE(u.display_name, o.name, '') AS name, f.created_at
         FROM follows f JOIN actors a ON a.id = f.followee_id LEFT JOIN users u ON u.id = a.id LEFT JOIN orgs o ON o.id = a.id
         WHERE f.follower_id = $1 AND a.deleted_at IS NULL AND f.created_at < $2
         ORDER BY f.created_at DESC LIMIT $3",
    )
    .bind(user_id.as_i64())
    .bind(before.unwrap_or(i64::MAX))
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    entries(&rows)
}
