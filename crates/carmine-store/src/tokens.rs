//! Personal API tokens: stored as SHA-256, shown once, revocable.

use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, Db, StoreResult, Tx};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: Id,
    pub user_id: Id,
    pub name: String,
    /// The first characters of the secret, to tell tokens apart in a list.
    pub prefix: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

fn from_row(row: &AnyRow) -> Result<TokenRecord, sqlx::Error> {
    Ok(TokenRecord {
        id: Id::from_i64(row.try_get("id")?),
        user_id: Id::from_i64(row.try_get("user_id")?),
        name: row.try_get("name")?,
        prefix: row.try_get("prefix")?,
        created_at: Timestamp(row.try_get("created_at")?),
        last_used_at: row.try_get::<Option<i64>, _>("last_used_at")?.map(Timestamp),
        revoked_at: row.try_get::<Option<i64>, _>("revoked_at")?.map(Timestamp),
    })
}

pub async fn insert(tx: &mut Tx, user_id: Id, name: &str, token_hash: &str, prefix: &str) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.as_i64())
    .bind(user_id.as_i64())
    .bind(name)
    .bind(token_hash)
    .bind(prefix)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(id)
}

/// The live (not revoked) token with this hash.
pub async fn find_active_by_hash(conn: &mut Conn, token_hash: &str) -> StoreResult<Option<TokenRecord>> {
    let row = sqlx::query(
        "SELECT id, user_id, name, prefix, created_at, last_used_at, revoked_at
         FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// A member's live tokens, newest first (bounded by the per-member cap).
pub async fn list_active(conn: &mut Conn, user_id: Id) -> StoreResult<Vec<TokenRecord>> {
    let rows = sqlx::query(
        "SELECT id, user_id, name, prefix, created_at, last_used_at, revoked_at
         FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id DESC LIMIT 200",
    )
    .bind(user_id.as_i64())
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

pub async fn count_active(conn: &mut Conn, user_id: Id) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL")
        .bind(user_id.as_i64())
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

/// Revokes the member's own token; false when it is not theirs or already revoked.
pub async fn revoke(tx: &mut Tx, user_id: Id, token_id: Id) -> StoreResult<bool> {
    let now = tx.now().micros();
    let result =
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
            .bind(now)
            .bind(token_id.as_i64())
            .bind(user_id.as_i64())
            .execute(tx.conn())
            .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn revoke_all(tx: &mut Tx, user_id: Id) -> StoreResult<u64> {
    let now = tx.now().micros();
    let result = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(user_id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(result.rows_affected())
}

/// Bookkeeping like a session's last-seen: at most once a minute, no event.
pub async fn touch(db: &Db, id: Id, now: Timestamp) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(now.micros())
    .bind(id.as_i64())
    .bind(now.micros() - 60_000_000)
    .execute(tx.conn())
    .await?;
    tx.commit().await
}
