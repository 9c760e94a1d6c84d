//! Notifications: who did what to whose note or comment; read or unread.

use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, StoreResult, Tx};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationRecord {
    pub id: Id,
    pub kind: String,
    pub actor_id: Id,
    pub actor_handle: String,
    pub actor_name: String,
    pub note_id: Option<Id>,
    pub note_title: Option<String>,
    pub comment_id: Option<Id>,
    pub comment_body: Option<String>,
    /// A gift's coins.
    pub coins: Option<i64>,
    pub created_at: Timestamp,
    pub read: bool,
}

pub struct NewNotification {
    pub recipient_id: Id,
    pub kind: &'static str,
    pub actor_id: Id,
    pub note_id: Option<Id>,
    pub comment_id: Option<Id>,
    /// A gift's coins.
    pub coins: Option<i64>,
    /// When it happened, if not now (a notice written later, from a log entry).
    pub at: Option<Timestamp>,
}

pub async fn insert(tx: &mut Tx, n: &NewNotification) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = n.at.unwrap_or_else(|| tx.now()).micros();
    sqlx::query(
        "INSERT INTO notifications (id, recipient_id, kind, actor_id, note_id, comment_id, coins, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.as_i64())
    .bind(n.recipient_id.as_i64())
    .bind(n.kind)
    .bind(n.actor_id.as_i64())
    .bind(n.note_id.map(Id::as_i64))
    .bind(n.comment_id.map(Id::as_i64))
    .bind(n.coins)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(id)
}

fn from_row(row: &AnyRow) -> Result<NotificationRecord, sqlx::Error> {
    Ok(NotificationRecord {
        id: Id::from_i64(row.try_get("id")?),
        kind: row.try_get("kind")?,
        actor_id: Id::from_i64(row.try_get("actor_id")?),
        actor_handle: row.try_get::<Option<String>, _>("handle")?.unwrap_or_default(),
        actor_name: row.try_get("display_name")?,
        note_id: row.try_get::<Option<i64>, _>("note_id")?.map(Id::from_i64),
        note_title: row.try_get("title")?,
        comment_id: row.try_get::<Option<i64>, _>("comment_id")?.map(Id::from_i64),
        comment_body: row.try_get("body")?,
        coins: row.try_get("coins")?,
        created_at: Timestamp(row.try_get("created_at")?),
        read: row.try_get::<Option<i64>, _>("read_at")?.is_some(),
    })
}

/// Where a notification sits in a member's list: (created_at, id), newest first. A
/// consumer may write a notification after later ones (a gift notice carries the
/// gift's time), so the list is ordered by time, ties by id.
async fn position(conn: &mut Conn, recipient_id: Id, id: Id) -> StoreResult<Option<(i64, i64)>> {
    let row = sqlx::query("SELECT created_at FROM notifications WHERE id = $1 AND recipient_id = $2")
        .bind(id.as_i64())
        .bind(recipient_id.as_i64())
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.try_get::<i64, _>("created_at").map(|at| (at, id.as_i64()))).transpose()?)
}

/// A member's notifications, newest first (by time, then id), after the one `before`
/// (from the top when it is not one of theirs).
pub async fn list(
    conn: &mut Conn,
    recipient_id: Id,
    before: Option<Id>,
    limit: u32,
) -> StoreResult<Vec<NotificationRecord>> {
    let (at, id) = match before {
        Some(before) => position(&mut *conn, recipient_id, before).await?.unwrap_or((i64::MAX, i64::MAX)),
        None => (i64::MAX, i64::MAX),
    };
    let rows = sqlx::query(
        "SELECT n.id, n.kind, n.actor_id, a.handle, u.display_name, n.note_id, nt.title, n.comment_id, c.body, n.coins,
                n.created_at, n.read_at
         FROM notifications n
         JOIN actors a ON a.id = n.actor_id JOIN users u ON u.id = n.actor_id
         LEFT JOIN notes nt ON nt.id = n.note_id AND nt.deleted_at IS NULL
         LEFT JOIN comments c ON c.id = n.comment_id
         WHERE n.recipient_id = $1 AND (n.created_at < $2 OR (n.created_at = $2 AND n.id < $3))
         ORDER BY n.created_at DESC, n.id DESC LIMIT $4",
    )
    .bind(recipient_id.as_i64())
    .bind(at)
    .bind(id)
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

pub async fn count_unread(conn: &mut Conn, recipient_id: Id) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM notifications WHERE recipient_id = $1 AND read_at IS NULL")
        .bind(recipient_id.as_i64())
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

/// Marks as read everything up to and including `up_to` in the list's order (all when
/// `None`; nothing when `up_to` is not one of the member's).
pub async fn mark_read(tx: &mut Tx, recipient_id: Id, up_to: Option<Id>) -> StoreResult<u64> {
    let now = tx.now().micros();
    let (at, id) = match up_to {
        Some(up_to) => match position(tx.conn(), recipient_id, up_to).await? {
            Some(position) => position,
            None => return Ok(0),
        },
        None => (i64::MAX, i64::MAX),
    };
    let result = sqlx::query(
        "UPDATE notifications SET read_at = $1
         WHERE recipient_id = $2 AND read_at IS NULL AND (created_at < $3 OR (created_at = $3 AND id <= $4))",
    )
    .bind(now)
    .bind(recipient_id.as_i64())
    .bind(at)
    .bind(id)
    .execute(tx.conn())
    .await?;
    Ok(result.rows_affected())
}
