//! Idempotency keys: one row per (caller, key), claimed in the transaction that
//! does the work, so the key and its effect commit — or vanish — together.

use carmine_core::{Id, Timestamp};
use sqlx::Row;

use crate::{Conn, StoreResult, Tx};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRecord {
    pub request_hash: String,
    /// `started` (the work is in flight or was interrupted) or `done`.
    pub state: String,
    pub resource_id: Option<Id>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub expires_at: Timestamp,
}

pub async fn get(conn: &mut Conn, scope_id: Id, key: &str) -> StoreResult<Option<KeyRecord>> {
    let row = sqlx::query(
        "SELECT request_hash, state, resource_id, error_code, error_message, expires_at
         FROM idempotency_keys WHERE scope_id = $1 AND idem_key = $2",
    )
    .bind(scope_id.as_i64())
    .bind(key)
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(KeyRecord {
            request_hash: row.try_get("request_hash")?,
            state: row.try_get("state")?,
            resource_id: row.try_get::<Option<i64>, _>("resource_id")?.map(Id::from_i64),
            error_code: row.try_get("error_code")?,
            error_message: row.try_get("error_message")?,
            expires_at: Timestamp(row.try_get("expires_at")?),
        })
    })
    .transpose()
}

/// Claims a key in `tx`; false if it is already there (claimed by this or a
/// concurrent request: on PostgreSQL the insert waits for the other to commit).
pub async fn claim(
    tx: &mut Tx,
    scope_id: Id,
    key: &str,
    request_hash: &str,
    resource_id: Option<Id>,
    expires_at: Timestamp,
) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "INSERT INTO idempotency_keys (scope_id, idem_key, request_hash, state, resource_id, created_at, expires_at)
         VALUES ($1, $2, $3, 'started', $4, $5, $6) ON CONFLICT (scope_id, idem_key) DO NOTHING",
    )
    .bind(scope_id.as_i64())
    .bind(key)
    .bind(request_hash)
    .bind(resource_id.map(Id::as_i64))
    .bind(now)
    .bind(expires_at.micros())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Records a claimed key's outcome: the resource made, or the error met.
pub async fn finish(
    tx: &mut Tx,
    scope_id: Id,
    key: &str,
    resource_id: Option<Id>,
    error: Option<(&str, &str)>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE idempotency_keys SET state = 'done', resource_id = COALESCE($3, resource_id), error_code = $4,
                error_message = $5
         WHERE scope_id = $1 AND idem_key = $2",
    )
    .bind(scope_id.as_i64())
    .bind(key)
    .bind(resource_id.map(Id::as_i64))
    .bind(error.map(|(code, _)| code))
    .bind(error.map(|(_, message)| message))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Deletes keys past their retention; how many went.
pub async fn prune(tx: &mut Tx, now: Timestamp) -> StoreResult<u64> {
    Ok(sqlx::query("DELETE FROM idempotency_keys WHERE expires_at <= $1")
        .bind(now.micros())
        .execute(tx.conn())
        .await?
        .rows_affected())
}

/// Deletes one key (past its retention, about to be claimed anew).
pub async fn prune_one(tx: &mut Tx, scope_id: Id, key: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM idempotency_keys WHERE scope_id = $1 AND idem_key = $2")
        .bind(scope_id.as_i64())
        .bind(key)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Which of these `(scope, key)` pairs are already claimed, with their expiry.
pub async fn existing(tx: &mut Tx, keys: &[(Id, &str)]) -> StoreResult<Vec<(Id, String, Timestamp)>> {
    let mut found = Vec::new();
    for chunk in keys.chunks(crate::bulk::ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT scope_id, idem_key, expires_at FROM idempotency_keys WHERE (scope_id, idem_key) IN ({})",
            crate::bulk::tuples(chunk.len(), 2, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (scope, key) in chunk {
            query = query.bind(scope.as_i64()).bind(*key);
        }
        for row in query.fetch_all(tx.conn()).await? {
            found.push((
                Id::from_i64(row.try_get("scope_id")?),
                row.try_get("idem_key")?,
                Timestamp(row.try_get("expires_at")?),
            ));
        }
    }
    Ok(found)
}

/// A key written already finished: its request's digest and outcome.
pub struct FinishedKey<'a> {
    pub scope_id: Id,
    pub key: &'a str,
    pub request_hash: &'a str,
    pub resource_id: Option<Id>,
    pub error: Option<(&'a str, &'a str)>,
    pub expires_at: Timestamp,
}

/// Inserts finished keys in bulk; how many were new (fewer: another writer claimed
/// one of them meanwhile).
pub async fn insert_finished(tx: &mut Tx, keys: &[FinishedKey<'_>]) -> StoreResult<u64> {
    let now = tx.now().micros();
    let mut inserted = 0;
    for chunk in keys.chunks(crate::bulk::ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO idempotency_keys (scope_id, idem_key, request_hash, state, resource_id, error_code,
                                           error_message, created_at, expires_at)
             VALUES {} ON CONFLICT (scope_id, idem_key) DO NOTHING",
            crate::bulk::tuples(chunk.len(), 9, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for key in chunk {
            query = query
                .bind(key.scope_id.as_i64())
                .bind(key.key)
                .bind(key.request_hash)
                .bind("done")
                .bind(key.resource_id.map(Id::as_i64))
                .bind(key.error.map(|(code, _)| code))
                .bind(key.error.map(|(_, message)| message))
                .bind(now)
                .bind(key.expires_at.micros());
        }
        inserted += query.execute(tx.conn()).await?.rows_affected();
    }
    Ok(inserted)
}
