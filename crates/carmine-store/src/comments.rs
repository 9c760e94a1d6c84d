//! Threaded comments: a top-level comment and its replies share a `root_id`.

use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::notes::{self, Counter};
use crate::{Conn, StoreResult, Tx};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommentRecord {
    pub id: Id,
    pub note_id: Id,
    pub author_id: Id,
    pub author_handle: String,
    pub author_name: String,
    /// The author's avatar; `None`: drawn from the name.
    pub author_avatar: Option<String>,
    pub parent_id: Option<Id>,
    pub root_id: Option<Id>,
    /// The replied-to comment's author, for "reply to @name".
    pub parent_author_handle: Option<String>,
    /// Empty once deleted.
    pub body: String,
    pub reply_count: i64,
    pub like_count: i64,
    pub created_at: Timestamp,
    pub deleted: bool,
}

macro_rules! select_comments {
    ($($rest:literal)*) => {
        concat!(
            "SELECT c.id, c.note_id, c.author_id, a.handle, u.display_name, u.avatar_url, c.parent_id, c.root_id, pa.handle AS parent_handle,
                    c.body, c.reply_count, c.like_count, c.created_at, c.deleted_at
             FROM comments c
             JOIN actors a ON a.id = c.author_id
             JOIN users u ON u.id = c.author_id
             LEFT JOIN comments p ON p.id = c.parent_id
             LEFT JOIN actors pa ON pa.id = p.author_id ",
            $($rest),*
        )
    };
}

fn from_row(row: &AnyRow) -> Result<CommentRecord, sqlx::Error> {
    Ok(CommentRecord {
        id: Id::from_i64(row.try_get("id")?),
        note_id: Id::from_i64(row.try_get("note_id")?),
        author_id: Id::from_i64(row.try_get("author_id")?),
        author_handle: row.try_get::<Option<String>, _>("handle")?.unwrap_or_default(),
        author_name: row.try_get("display_name")?,
        author_avatar: row.try_get("avatar_url")?,
        parent_id: row.try_get::<Option<i64>, _>("parent_id")?.map(Id::from_i64),
        root_id: row.try_get::<Option<i64>, _>("root_id")?.map(Id::from_i64),
        parent_author_handle: row.try_get("parent_handle")?,
        body: row.try_get("body")?,
        reply_count: row.try_get("reply_count")?,
        like_count: row.try_get("like_count")?,
        created_at: Timestamp(row.try_get("created_at")?),
        deleted: row.try_get::<Option<i64>, _>("deleted_at")?.is_some(),
    })
}

/// Adds a comment (a reply when `parent` is given: `(parent id, root id)`), and bumps
/// the note's comment counter and the thread's reply counter in the same transaction.
pub async fn insert(tx: &mut Tx, note_id: Id, author_id: Id, parent: Option<(Id, Id)>, body: &str) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO comments (id, note_id, author_id, parent_id, root_id, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id.as_i64())
    .bind(note_id.as_i64())
    .bind(author_id.as_i64())
    .bind(parent.map(|(p, _)| p.as_i64()))
    .bind(parent.map(|(_, r)| r.as_i64()))
    .bind(body)
    .bind(now)
    .execute(tx.conn())
    .await?;
    notes::adjust(tx, note_id, Counter::Comments, 1).await?;
    if let Some((_, root)) = parent {
        sqlx::query("UPDATE comments SET reply_count = reply_count + 1 WHERE id = $1")
            .bind(root.as_i64())
            .execute(tx.conn())
            .await?;
    }
    Ok(id)
}

pub async fn get(conn: &mut Conn, id: Id) -> StoreResult<Option<CommentRecord>> {
    let row = sqlx::query(select_comments!("WHERE c.id = $1")).bind(id.as_i64()).fetch_optional(conn).await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// Top-level comments of a note, newest first, before `before`.
pub async fn list_roots(
    conn: &mut Conn,
    note_id: Id,
    before: Option<Id>,
    limit: u32,
) -> StoreResult<Vec<CommentRecord>> {
    let rows = sqlx::query(select_comments!(
        "WHERE c.note_id = $1 AND c.root_id IS NULL AND c.id < $2 ORDER BY c.id DESC LIMIT $3"
    ))
    .bind(note_id.as_i64())
    .bind(before.map_or(i64::MAX, Id::as_i64))
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// Replies in the threads of `roots` (top-level comments of one note), oldest first,
/// at most `per_thread` each — one query for the whole page.
pub async fn list_replies(
    conn: &mut Conn,
    note_id: Id,
    roots: &[Id],
    per_thread: u32,
) -> StoreResult<Vec<CommentRecord>> {
    let (Some(low), Some(high)) = (roots.iter().min(), roots.iter().max()) else {
        return Ok(Vec::new());
    };
    let rows = sqlx::query(
        "SELECT * FROM (
             SELECT c.id, c.note_id, c.author_id, a.handle, u.display_name, u.avatar_url, c.parent_id, c.root_id, pa.handle AS parent_handle,
                    c.body, c.reply_count, c.like_count, c.created_at, c.deleted_at,
                    ROW_NUMBER() OVER (PARTITION BY c.root_id ORDER BY c.id) AS thread_rank
             FROM comments c
             JOIN actors a ON a.id = c.author_id
             JOIN users u ON u.id = c.author_id
             LEFT JOIN comments p ON p.id = c.parent_id
             LEFT JOIN actors pa ON pa.id = p.author_id
             WHERE c.note_id = $1 AND c.root_id BETWEEN $2 AND $3
         ) threads
         WHERE thread_rank <= $4 ORDER BY root_id, id",
    )
    .bind(note_id.as_i64())
    .bind(low.as_i64())
    .bind(high.as_i64())
    .bind(i64::from(per_thread))
    .fetch_all(conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let reply = from_row(row)?;
        if reply.root_id.is_some_and(|root| roots.contains(&root)) {
            out.push(reply);
        }
    }
    Ok(out)
}

/// Deletes a comment's content (the thread keeps its place) and takes it off the
/// note's counter; false if it was already deleted.
pub async fn tombstone(tx: &mut Tx, id: Id, note_id: Id) -> StoreResult<bool> {
    let now = tx.now().micros();
    let removed = sqlx::query("UPDATE comments SET body = '', deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL")
        .bind(now)
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?
        .rows_affected()
        == 1;
    if removed {
        notes::adjust(tx, note_id, Counter::Comments, -1).await?;
    }
    Ok(removed)
}

/// A member's live comments: (comment, note).
pub async fn live_by_author(conn: &mut Conn, author: Id) -> StoreResult<Vec<(Id, Id)>> {
    let rows = sqlx::query("SELECT id, note_id FROM comments WHERE author_id = $1 AND deleted_at IS NULL ORDER BY id")
        .bind(author.as_i64())
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((Id::from_i64(r.try_get("id")?), Id::from_i64(r.try_get("note_id")?))))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// The counter recomputed from the rows (to check the stored one).
pub async fn count_live(conn: &mut Conn, note_id: Id) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM comments WHERE note_id = $1 AND deleted_at IS NULL")
        .bind(note_id.as_i64())
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}
