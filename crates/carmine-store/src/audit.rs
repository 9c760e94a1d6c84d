//! The admin audit log: one row per admin action, written in the action's transaction.

use carmine_core::{Id, Timestamp};
use sqlx::Row;

use crate::{Conn, StoreResult, Tx};

/// Every action the log records (the admin pages name each in the reader's language;
/// add an action here when a context starts recording it).
pub const ACTIONS: &[&str] = &[
    "create_user",
    "grant_admin",
    "revoke_admin",
    "reset_password",
    "suspend_user",
    "unsuspend_user",
    "approve_verification",
    "reject_verification",
    "resolve_report",
    "search.hide_term",
    "search.show_term",
    "commerce.create_category",
    "commerce.update_category",
    "commerce.suspend_store",
    "commerce.reinstate_store",
    "commerce.verify_certificate",
    "commerce.reject_certificate",
    "ads.approve",
    "ads.reject",
];

/// Every kind of object an action is recorded against.
pub const TARGET_KINDS: &[&str] =
    &["user", "org", "note", "comment", "member", "search_term", "category", "store", "product", "ad"];

#[derive(Clone, Debug, PartialEq)]
pub struct AuditRecord {
    pub id: Id,
    /// `None`: the operator console (`carmine admin …`).
    pub admin_id: Option<Id>,
    pub admin_username: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: Id,
    pub details: serde_json::Value,
    pub created_at: Timestamp,
}

pub async fn record(
    tx: &mut Tx,
    admin_id: Option<Id>,
    action: &str,
    target_kind: &str,
    target_id: Id,
    details: &serde_json::Value,
) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = tx.now();
    sqlx::query(
        "INSERT INTO admin_audit_log (id, admin_id, action, target_kind, target_id, details, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id.as_i64())
    .bind(admin_id.map(Id::as_i64))
    .bind(action)
    .bind(target_kind)
    .bind(target_id.as_i64())
    .bind(details.to_string())
    .bind(now.micros())
    .execute(tx.conn())
    .await?;
    Ok(id)
}

/// Newest first, entries older than `before` (an audit id), at most `limit`.
pub async fn list(conn: &mut Conn, before: Option<Id>, limit: u32) -> StoreResult<Vec<AuditRecord>> {
    let rows = sqlx::query(
        "SELECT l.id, l.admin_id, a.handle, l.action, l.target_kind, l.target_id, l.details, l.created_at
         FROM admin_audit_log l LEFT JOIN actors a ON a.id = l.admin_id
         WHERE l.id < $1 ORDER BY l.id DESC LIMIT $2",
    )
    .bind(before.map_or(i64::MAX, Id::as_i64))
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let details: String = row.try_get("details")?;
            Ok(AuditRecord {
                id: Id::from_i64(row.try_get("id")?),
                admin_id: row.try_get::<Option<i64>, _>("admin_id")?.map(Id::from_i64),
                admin_username: row.try_get("handle")?,
                action: row.try_get("action")?,
                target_kind: row.try_get("target_kind")?,
                target_id: Id::from_i64(row.try_get("target_id")?),
                details: serde_json::from_str(&details).unwrap_or(serde_json::Value::Null),
                created_at: Timestamp(row.try_get("created_at")?),
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}
