//! Reports and their decisions; blocks and mutes between members.

use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, StoreResult, Tx};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRecord {
    pub id: Id,
    pub reporter_id: Id,
    pub reporter_handle: String,
    pub target_kind: String,
    pub target_id: Id,
    pub reason: String,
    pub details: String,
    pub status: String,
    pub decision: Option<String>,
    pub created_at: Timestamp,
    pub decided_at: Option<Timestamp>,
    /// The note the target is (or is on), when it is a note or a comment.
    pub note_id: Option<Id>,
    /// The note's title, the comment's text, or the member's handle.
    pub preview: String,
}

fn report_from_row(row: &AnyRow) -> Result<ReportRecord, sqlx::Error> {
    Ok(ReportRecord {
        id: Id::from_i64(row.try_get("id")?),
        reporter_id: Id::from_i64(row.try_get("reporter_id")?),
        reporter_handle: row.try_get::<Option<String>, _>("handle")?.unwrap_or_default(),
        target_kind: row.try_get("target_kind")?,
        target_id: Id::from_i64(row.try_get("target_id")?),
        reason: row.try_get("reason")?,
        details: row.try_get("details")?,
        status: row.try_get("status")?,
        decision: row.try_get("decision")?,
        created_at: Timestamp(row.try_get("created_at")?),
        decided_at: row.try_get::<Option<i64>, _>("decided_at")?.map(Timestamp),
        note_id: row.try_get::<Option<i64>, _>("note_id")?.map(Id::from_i64),
        preview: row.try_get::<Option<String>, _>("preview")?.unwrap_or_default(),
    })
}

macro_rules! select_reports {
    ($($rest:literal)*) => {
        concat!(
            "SELECT r.id, r.reporter_id, a.handle, r.target_kind, r.target_id, r.reason, r.details, r.status, r.decision,
                    r.created_at, r.decided_at,
                    CASE r.target_kind WHEN 'note' THEN r.target_id WHEN 'comment' THEN c.note_id END AS note_id,
                    COALESCE(n.title, c.body, ta.handle) AS preview
             FROM reports r JOIN actors a ON a.id = r.reporter_id
             LEFT JOIN notes n ON r.target_kind = 'note' AND n.id = r.target_id
             LEFT JOIN comments c ON r.target_kind = 'comment' AND c.id = r.target_id
             LEFT JOIN actors ta ON r.target_kind = 'member' AND ta.id = r.target_id ",
            $($rest),*
        )
    };
}

pub struct NewReport<'a> {
    pub reporter_id: Id,
    pub target_kind: &'a str,
    pub target_id: Id,
    pub reason: &'a str,
    pub details: &'a str,
}

pub async fn insert_report(tx: &mut Tx, report: &NewReport<'_>) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO reports (id, reporter_id, target_kind, target_id, reason, details, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'open', $7)",
    )
    .bind(id.as_i64())
    .bind(report.reporter_id.as_i64())
    .bind(report.target_kind)
    .bind(report.target_id.as_i64())
    .bind(report.reason)
    .bind(report.details)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(id)
}

/// The open report this member already filed on this target, if any.
pub async fn open_report_by(
    conn: &mut Conn,
    reporter_id: Id,
    target_kind: &str,
    target_id: Id,
) -> StoreResult<Option<ReportRecord>> {
    let row = sqlx::query(select_reports!(
        "WHERE r.reporter_id = $1 AND r.target_kind = $2 AND r.target_id = $3 AND r.status = 'open'"
    ))
    .bind(reporter_id.as_i64())
    .bind(target_kind)
    .bind(target_id.as_i64())
    .fetch_optional(conn)
    .await?;
    Ok(row.as_ref().map(report_from_row).transpose()?)
}

pub async fn get_report(conn: &mut Conn, id: Id) -> StoreResult<Option<ReportRecord>> {
    let row = sqlx::query(select_reports!("WHERE r.id = $1")).bind(id.as_i64()).fetch_optional(conn).await?;
    Ok(row.as_ref().map(report_from_row).transpose()?)
}

/// Reports with `status`, oldest first, after `after`.
pub async fn list_reports(
    conn: &mut Conn,
    status: &str,
    after: Option<Id>,
    limit: u32,
) -> StoreResult<Vec<ReportRecord>> {
    let rows = sqlx::query(select_reports!("WHERE r.status = $1 AND r.id > $2 ORDER BY r.id LIMIT $3"))
        .bind(status)
        .bind(after.map_or(0, Id::as_i64))
        .bind(i64::from(limit))
        .fetch_all(conn)
        .await?;
    Ok(rows.iter().map(report_from_row).collect::<Result<_, _>>()?)
}

/// Resolves every open report on the target at once (one decision per target);
/// returns how many were open. Zero means someone decided first.
pub async fn resolve_target(
    tx: &mut Tx,
    target_kind: &str,
    target_id: Id,
    decision: &str,
    admin_id: Id,
) -> StoreResult<u64> {
    let now = tx.now().micros();
    let result = sqlx::query(
        "UPDATE reports SET status = 'resolved', decision = $1, decided_by = $2, decided_at = $3
         WHERE target_kind = $4 AND target_id = $5 AND status = 'open'",
    )
    .bind(decision)
    .bind(admin_id.as_i64())
    .bind(now)
    .bind(target_kind)
    .bind(target_id.as_i64())
    .execute(tx.conn())
    .await?;
    Ok(result.rows_affected())
}

/// Adds or removes a block or mute; `table` is `blocks` or `mutes`. True if it changed.
macro_rules! relation {
    ($insert:ident, $delete:ident, $exists:ident, $table:literal, $a:literal, $b:literal) => {
        pub async fn $insert(tx: &mut Tx, from: Id, to: Id) -> StoreResult<bool> {
            let now = tx.now().micros();
            let result = sqlx::query(concat!(
                "INSERT INTO ",
                $table,
                " (",
                $a,
                ", ",
                $b,
                ", created_at) VALUES ($1, $2, $3) ON CONFLICT (",
                $a,
                ", ",
                $b,
                ") DO NOTHING"
            ))
            .bind(from.as_i64())
            .bind(to.as_i64())
            .bind(now)
            .execute(tx.conn())
            .await?;
            Ok(result.rows_affected() == 1)
        }

        pub async fn $delete(tx: &mut Tx, from: Id, to: Id) -> StoreResult<bool> {
            let result = sqlx::query(concat!("DELETE FROM ", $table, " WHERE ", $a, " = $1 AND ", $b, " = $2"))
                .bind(from.as_i64())
                .bind(to.as_i64())
                .execute(tx.conn())
                .await?;
            Ok(result.rows_affected() == 1)
        }

        pub async fn $exists(conn: &mut Conn, from: Id, to: Id) -> StoreResult<bool> {
            let row =
                sqlx::query(concat!("SELECT COUNT(*) AS n FROM ", $table, " WHERE ", $a, " = $1 AND ", $b, " = $2"))
                    .bind(from.as_i64())
                    .bind(to.as_i64())
                    .fetch_one(conn)
                    .await?;
            Ok(row.try_get::<i64, _>("n")? > 0)
        }
    };
}

relation!(insert_block, delete_block, block_exists, "blocks", "blocker_id", "blocked_id");
relation!(insert_mute, delete_mute, mute_exists, "mutes", "muter_id", "muted_id");

/// Either member blocked the other.
pub async fn blocked_either_way(conn: &mut Conn, a: Id, b: Id) -> StoreResult<bool> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM blocks WHERE (blocker_id = $1 AND blocked_id = $2) OR (blocker_id = $2 AND blocked_id = $1)",
    )
    .bind(a.as_i64())
    .bind(b.as_i64())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Members `viewer` does not see: those they blocked or muted, and those who blocked them.
pub async fn hidden_for(conn: &mut Conn, viewer: Id) -> StoreResult<Vec<Id>> {
    let rows = sqlx::query(
        "SELECT blocked_id AS id FROM blocks WHERE blocker_id = $1
         UNION SELECT blocker_id AS id FROM blocks WHERE blocked_id = $1
         UNION SELECT muted_id AS id FROM mutes WHERE muter_id = $1",
    )
    .bind(viewer.as_i64())
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok(Id::from_i64(r.try_get("id")?))).collect::<Result<_, sqlx::Error>>().map_err(Into::into)
}
