//! Boards and saves. The save counter on a note changes in the save's transaction.

use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::notes::{self, Counter, NoteRecord, Position};
use crate::{Conn, StoreResult, Tx};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoardRecord {
    pub id: Id,
    pub owner_id: Id,
    pub owner_handle: String,
    pub name: String,
    pub visibility: String,
    pub note_count: i64,
    pub created_at: Timestamp,
}

fn from_row(row: &AnyRow) -> Result<BoardRecord, sqlx::Error> {
    Ok(BoardRecord {
        id: Id::from_i64(row.try_get("id")?),
        owner_id: Id::from_i64(row.try_get("owner_id")?),
        owner_handle: row.try_get::<Option<String>, _>("handle")?.unwrap_or_default(),
        name: row.try_get("name")?,
        visibility: row.try_get("visibility")?,
        note_count: row.try_get("note_count")?,
        created_at: Timestamp(row.try_get("created_at")?),
    })
}

macro_rules! select_boards {
    ($($rest:literal)*) => {
        concat!(
            "SELECT b.id, b.owner_id, a.handle, b.name, b.visibility, b.created_at,
                    (SELECT COUNT(*) FROM saves s WHERE s.board_id = b.id) AS note_count
             FROM boards b JOIN actors a ON a.id = b.owner_id ",
            $($rest),*
        )
    };
}

pub async fn insert(tx: &mut Tx, owner_id: Id, name: &str, visibility: &str) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query("INSERT INTO boards (id, owner_id, name, visibility, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id.as_i64())
        .bind(owner_id.as_i64())
        .bind(name)
        .bind(visibility)
        .bind(now)
        .execute(tx.conn())
        .await?;
    Ok(id)
}

pub async fn get(conn: &mut Conn, id: Id) -> StoreResult<Option<BoardRecord>> {
    let row = sqlx::query(select_boards!("WHERE b.id = $1 AND b.deleted_at IS NULL"))
        .bind(id.as_i64())
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// A member's boards, oldest first; private ones only when `include_private`.
pub async fn list_for_owner(conn: &mut Conn, owner_id: Id, include_private: bool) -> StoreResult<Vec<BoardRecord>> {
    let rows = sqlx::query(select_boards!(
        "WHERE b.owner_id = $1 AND b.deleted_at IS NULL AND ($2 = 1 OR b.visibility = 'public') ORDER BY b.id LIMIT 200"
    ))
    .bind(owner_id.as_i64())
    .bind(i64::from(include_private))
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

pub async fn count_for_owner(conn: &mut Conn, owner_id: Id) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM boards WHERE owner_id = $1 AND deleted_at IS NULL")
        .bind(owner_id.as_i64())
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

pub async fn update(tx: &mut Tx, id: Id, name: &str, visibility: &str) -> StoreResult<()> {
    sqlx::query("UPDATE boards SET name = $1, visibility = $2 WHERE id = $3 AND deleted_at IS NULL")
        .bind(name)
        .bind(visibility)
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Deletes a board; its saves move to the owner's default "Saved".
pub async fn delete(tx: &mut Tx, id: Id) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query("UPDATE saves SET board_id = NULL WHERE board_id = $1").bind(id.as_i64()).execute(tx.conn()).await?;
    sqlx::query("UPDATE boards SET deleted_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Removes every board of a member (names purged, the rows kept as tombstones); their
/// saves move to the default "Saved".
pub async fn erase_for_owner(tx: &mut Tx, owner_id: Id) -> StoreResult<u64> {
    let now = tx.now().micros();
    sqlx::query("UPDATE saves SET board_id = NULL WHERE board_id IN (SELECT id FROM boards WHERE owner_id = $1)")
        .bind(owner_id.as_i64())
        .execute(tx.conn())
        .await?;
    let done = sqlx::query("UPDATE boards SET name = '', deleted_at = COALESCE(deleted_at, $1) WHERE owner_id = $2")
        .bind(now)
        .bind(owner_id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected())
}

/// Saves a note (into `board_id`, or the default); saving again moves it. True if
/// the save is new (then the note's counter went up by one).
pub async fn save(tx: &mut Tx, user_id: Id, note_id: Id, board_id: Option<Id>) -> StoreResult<bool> {
    let now = tx.now().micros();
    let inserted = sqlx::query(
        "INSERT INTO saves (user_id, note_id, board_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, note_id) DO NOTHING",
    )
    .bind(user_id.as_i64())
    .bind(note_id.as_i64())
    .bind(board_id.map(Id::as_i64))
    .bind(now)
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1;
    if inserted {
        notes::adjust(tx, note_id, Counter::Saves, 1).await?;
    } else {
        sqlx::query("UPDATE saves SET board_id = $1 WHERE user_id = $2 AND note_id = $3")
            .bind(board_id.map(Id::as_i64))
            .bind(user_id.as_i64())
            .bind(note_id.as_i64())
            .execute(tx.conn())
            .await?;
    }
    Ok(inserted)
}

/// True if there was a save to remove (then the counter went down by one).
pub async fn unsave(tx: &mut Tx, user_id: Id, note_id: Id) -> StoreResult<bool> {
    let deleted = sqlx::query("DELETE FROM saves WHERE user_id = $1 AND note_id = $2")
        .bind(user_id.as_i64())
        .bind(note_id.as_i64())
        .execute(tx.conn())
        .await?
        .rows_affected()
        == 1;
    if deleted {
        notes::adjust(tx, note_id, Counter::Saves, -1).await?;
    }
    Ok(deleted)
}

/// Where the member saved a note: `None` not saved, `Some(None)` the default, `Some(Some(board))`.
pub async fn saved_in(conn: &mut Conn, user_id: Id, note_id: Id) -> StoreResult<Option<Option<Id>>> {
    let row = sqlx::query("SELECT board_id FROM saves WHERE user_id = $1 AND note_id = $2")
        .bind(user_id.as_i64())
        .bind(note_id.as_i64())
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.try_get::<Option<i64>, _>("board_id").map(|b| b.map(Id::from_i64))).transpose()?)
}

/// Notes saved by `owner_id` into `board_id` (`None`: the default), newest save first,
/// that `viewer_id` may see (0: nobody logged in).
pub async fn notes(
    conn: &mut Conn,
    owner_id: Id,
    board_id: Option<Id>,
    viewer_id: Id,
    before: Option<Position>,
    limit: u32,
) -> StoreResult<Vec<NoteRecord>> {
    let (at, id) = before.unwrap_or((i64::MAX, i64::MAX));
    let rows = sqlx::query(
        "SELECT s.note_id, s.created_at FROM saves s JOIN notes n ON n.id = s.note_id
         WHERE s.user_id = $1 AND COALESCE(s.board_id, 0) = $2 AND n.deleted_at IS NULL AND n.status = 'published'
           AND ((n.visibility = 'public' AND n.moderation = 'none') OR n.author_id = $3
                OR (n.visibility IN ('public', 'followers')
                    AND EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = $3 AND f.followee_id = n.author_id)))
           AND (s.created_at < $4 OR (s.created_at = $4 AND s.note_id < $5))
         ORDER BY s.created_at DESC, s.note_id DESC LIMIT $6",
    )
    .bind(owner_id.as_i64())
    .bind(board_id.map_or(0, Id::as_i64))
    .bind(viewer_id.as_i64())
    .bind(at)
    .bind(id)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(note) = notes::get(conn, Id::from_i64(row.try_get("note_id")?)).await? {
            out.push(note);
        }
    }
    Ok(out)
}

/// The save time of a note in a member's saves (for the next page's position).
pub async fn saved_at(conn: &mut Conn, user_id: Id, note_id: Id) -> StoreResult<Option<i64>> {
    let row = sqlx::query("SELECT created_at FROM saves WHERE user_id = $1 AND note_id = $2")
        .bind(user_id.as_i64())
        .bind(note_id.as_i64())
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.try_get("created_at")).transpose()?)
}
