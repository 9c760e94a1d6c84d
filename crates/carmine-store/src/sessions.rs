//! Server-side sessions. Only the SHA-256 of the cookie's token is stored; the CSRF
//! token belongs to the session and dies with it.

use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, Db, StoreResult, Tx};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: Id,
    pub user_id: Id,
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
    pub user_agent: String,
    pub ip: String,
}

fn from_row(row: &AnyRow) -> Result<SessionRecord, sqlx::Error> {
    Ok(SessionRecord {
        id: Id::from_i64(row.try_get("id")?),
        user_id: Id::from_i64(row.try_get("user_id")?),
        csrf_token: row.try_get("csrf_token")?,
        created_at: Timestamp(row.try_get("created_at")?),
        last_seen_at: Timestamp(row.try_get("last_seen_at")?),
        expires_at: Timestamp(row.try_get("expires_at")?),
        user_agent: row.try_get("user_agent")?,
        ip: row.try_get("ip")?,
    })
}

pub struct NewSession<'a> {
    pub user_id: Id,
    pub token_hash: &'a str,
    pub csrf_token: &'a str,
    pub expires_at: Timestamp,
    pub user_agent: &'a str,
    pub ip: &'a str,
}

pub async fn insert(tx: &mut Tx, session: &NewSession<'_>) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO sessions (id, user_id, token_hash, csrf_token, created_at, last_seen_at, expires_at, user_agent, ip)
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8)",
    )
    .bind(id.as_i64())
    .bind(session.user_id.as_i64())
    .bind(session.token_hash)
    .bind(session.csrf_token)
    .bind(now)
    .bind(session.expires_at.micros())
    .bind(session.user_agent)
    .bind(session.ip)
    .execute(tx.conn())
    .await?;
    Ok(id)
}

pub async fn find_by_token_hash(conn: &mut Conn, token_hash: &str) -> StoreResult<Option<SessionRecord>> {
    let row = sqlx::query(
        "SELECT id, user_id, csrf_token, created_at, last_seen_at, expires_at, user_agent, ip
         FROM sessions WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

pub async fn list_for_user(conn: &mut Conn, user_id: Id) -> StoreResult<Vec<SessionRecord>> {
    let rows = sqlx::query(
        "SELECT id, user_id, csrf_token, created_at, last_seen_at, expires_at, user_agent, ip
         FROM sessions WHERE user_id = $1 ORDER BY id DESC LIMIT 200",
    )
    .bind(user_id.as_i64())
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// Records activity for the idle timeout. Session bookkeeping, not a domain change:
/// it runs in its own short transaction and appends no event.
pub async fn touch(db: &Db, id: Id, now: Timestamp) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $1")
        .bind(now.micros())
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?;
    tx.commit().await
}

pub async fn delete(tx: &mut Tx, id: Id) -> StoreResult<bool> {
    let result = sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id.as_i64()).execute(tx.conn()).await?;
    Ok(result.rows_affected() == 1)
}

/// Ends one session of a member; false if it is not theirs (or already ended).
pub async fn delete_own(tx: &mut Tx, user_id: Id, id: Id) -> StoreResult<bool> {
    let result = sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
        .bind(id.as_i64())
        .bind(user_id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Ends every session of a member except `keep`; returns how many ended.
pub async fn delete_for_user(tx: &mut Tx, user_id: Id, keep: Option<Id>) -> StoreResult<u64> {
    let result = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
        .bind(user_id.as_i64())
        .bind(keep.map_or(0, Id::as_i64))
        .execute(tx.conn())
        .await?;
    Ok(result.rows_affected())
}

/// Removes sessions past their absolute expiry or idle for longer than allowed.
pub async fn delete_expired(tx: &mut Tx, idle_cutoff: Timestamp) -> StoreResult<u64> {
    let now = tx.now().micros();
    let result = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
        .bind(now)
        .bind(idle_cutoff.micros())
        .execute(tx.conn())
        .await?;
    Ok(result.rows_affected())
}
