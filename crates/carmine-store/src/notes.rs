//! Notes: text, ordered images, topics and mentions, owned by an actor. Reads join
//! the author's handle and name and the cover image, so a list is one query.

use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::media::MediaRecord;
use crate::{Conn, StoreResult, Tx};

/// The cover of a note in a list: enough to lay out the waterfall.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cover {
    pub media_id: Id,
    pub url_key: String,
    pub grid_width: i64,
    pub grid_height: i64,
    pub placeholder_color: String,
    /// What the cover shows, in the author's words (empty: not given).
    pub alt_text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteRecord {
    pub id: Id,
    pub author_id: Id,
    pub author_handle: String,
    /// `member` or `org`.
    pub author_kind: String,
    pub author_name: String,
    /// The member author's avatar (a path on this site or an https URL); `None`: drawn.
    pub author_avatar: Option<String>,
    pub posted_by: Id,
    pub title: String,
    pub body: String,
    pub location: Option<String>,
    pub visibility: String,
    pub status: String,
    pub moderation: String,
    pub cover: Option<Cover>,
    pub like_count: i64,
    pub save_count: i64,
    pub comment_count: i64,
    pub share_count: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub published_at: Option<Timestamp>,
    /// A draft scheduled to publish itself at this time.
    pub publish_at: Option<Timestamp>,
}

macro_rules! select_notes {
    ($($rest:literal)*) => {
        concat!(
            "SELECT n.id, n.author_id, a.handle, a.kind, COALESCE(u.display_name, o.name, '') AS author_name, u.avatar_url AS author_avatar, n.posted_by,
                    n.title, n.body, n.location, n.visibility, n.status, n.moderation, n.cover_media_id,
                    m.url_key, m.grid_width, m.grid_height, m.placeholder_color, m.alt_text,
                    n.like_count, n.save_count, n.comment_count, n.share_count, n.created_at, n.updated_at, n.published_at,
                    n.publish_at
             FROM notes n
             JOIN actors a ON a.id = n.author_id
             LEFT JOIN users u ON u.id = n.author_id
             LEFT JOIN orgs o ON o.id = n.author_id
             LEFT JOIN media m ON m.id = n.cover_media_id ",
            $($rest),*
        )
    };
}

fn from_row(row: &AnyRow) -> Result<NoteRecord, sqlx::Error> {
    let cover = match row.try_get::<Option<i64>, _>("cover_media_id")? {
        Some(media_id) => Some(Cover {
            media_id: Id::from_i64(media_id),
            url_key: row.try_get("url_key")?,
            grid_width: row.try_get("grid_width")?,
            grid_height: row.try_get("grid_height")?,
            placeholder_color: row.try_get("placeholder_color")?,
            alt_text: row.try_get("alt_text")?,
        }),
        None => None,
    };
    Ok(NoteRecord {
        id: Id::from_i64(row.try_get("id")?),
        author_id: Id::from_i64(row.try_get("author_id")?),
        author_handle: row.try_get::<Option<String>, _>("handle")?.unwrap_or_default(),
        author_kind: row.try_get("kind")?,
        author_name: row.try_get("author_name")?,
        author_avatar: row.try_get("author_avatar")?,
        posted_by: Id::from_i64(row.try_get("posted_by")?),
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        location: row.try_get("location")?,
        visibility: row.try_get("visibility")?,
        status: row.try_get("status")?,
        moderation: row.try_get("moderation")?,
        cover,
        like_count: row.try_get("like_count")?,
        save_count: row.try_get("save_count")?,
        comment_count: row.try_get("comment_count")?,
        share_count: row.try_get("share_count")?,
        created_at: Timestamp(row.try_get("created_at")?),
        updated_at: Timestamp(row.try_get("updated_at")?),
        published_at: row.try_get::<Option<i64>, _>("published_at")?.map(Timestamp),
        publish_at: row.try_get::<Option<i64>, _>("publish_at")?.map(Timestamp),
    })
}

fn many(rows: &[AnyRow]) -> StoreResult<Vec<NoteRecord>> {
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// The editable content of a note, as the notes context validated it.
pub struct NoteContent<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub location: Option<&'a str>,
    pub visibility: &'a str,
    pub media_ids: &'a [Id],
    pub topics: &'a [String],
    pub mention_ids: &'a [Id],
}

pub async fn insert(
    tx: &mut Tx,
    author_id: Id,
    posted_by: Id,
    content: &NoteContent<'_>,
    publish: bool,
) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO notes (id, author_id, posted_by, title, body, location, visibility, status, created_at, updated_at,
                            published_at, cover_media_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11)",
    )
    .bind(id.as_i64())
    .bind(author_id.as_i64())
    .bind(posted_by.as_i64())
    .bind(content.title)
    .bind(content.body)
    .bind(content.location)
    .bind(content.visibility)
    .bind(if publish { "published" } else { "draft" })
    .bind(now)
    .bind(publish.then_some(now))
    .bind(content.media_ids.first().map(|m| m.as_i64()))
    .execute(tx.conn())
    .await?;
    insert_parts(tx, id, content).await?;
    Ok(id)
}

/// Replaces the content; `publish` moves a draft to published (never back) and
/// drops its schedule.
pub async fn update(tx: &mut Tx, id: Id, content: &NoteContent<'_>, publish: bool) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query(
        "UPDATE notes SET title = $1, body = $2, location = $3, visibility = $4, updated_at = $5,
                          status = CASE WHEN $6 = 1 THEN 'published' ELSE status END,
                          published_at = CASE WHEN $6 = 1 AND published_at IS NULL THEN $5 ELSE published_at END,
                          publish_at = CASE WHEN $6 = 1 THEN NULL ELSE publish_at END
         WHERE id = $7 AND deleted_at IS NULL",
    )
    .bind(content.title)
    .bind(content.body)
    .bind(content.location)
    .bind(content.visibility)
    .bind(now)
    .bind(i64::from(publish))
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?;
    replace_parts(tx, id, content).await
}

/// Replaces the images (and cover), topics and mentions of an existing note.
async fn replace_parts(tx: &mut Tx, id: Id, content: &NoteContent<'_>) -> StoreResult<()> {
    for statement in [
        "DELETE FROM note_media WHERE note_id = $1",
        "DELETE FROM note_topics WHERE note_id = $1",
        "DELETE FROM note_mentions WHERE note_id = $1",
    ] {
        sqlx::query(statement).bind(id.as_i64()).execute(tx.conn()).await?;
    }
    insert_parts(tx, id, content).await?;
    sqlx::query("UPDATE notes SET cover_media_id = $1 WHERE id = $2")
        .bind(content.media_ids.first().map(|m| m.as_i64()))
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Images, topics and mentions of a note that has none yet.
async fn insert_parts(tx: &mut Tx, id: Id, content: &NoteContent<'_>) -> StoreResult<()> {
    for (position, media_id) in content.media_ids.iter().enumerate() {
        sqlx::query("INSERT INTO note_media (note_id, position, media_id) VALUES ($1, $2, $3)")
            .bind(id.as_i64())
            .bind(position as i64)
            .bind(media_id.as_i64())
            .execute(tx.conn())
            .await?;
    }
    for topic in content.topics {
        sqlx::query("INSERT INTO note_topics (note_id, topic) VALUES ($1, $2)")
            .bind(id.as_i64())
            .bind(topic)
            .execute(tx.conn())
            .await?;
    }
    for user_id in content.mention_ids {
        sqlx::query("INSERT INTO note_mentions (note_id, user_id) VALUES ($1, $2)")
            .bind(id.as_i64())
            .bind(user_id.as_i64())
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// Sets or clears the time a draft publishes itself; false if it is not a live draft.
pub async fn set_publish_at(tx: &mut Tx, id: Id, publish_at: Option<Timestamp>) -> StoreResult<bool> {
    let now = tx.now().micros();
    let updated = sqlx::query(
        "UPDATE notes SET publish_at = $1, updated_at = $2 WHERE id = $3 AND status = 'draft' AND deleted_at IS NULL",
    )
    .bind(publish_at.map(Timestamp::micros))
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Publishes a scheduled draft whose time has come; false if it is no longer one
/// (published, deleted, unscheduled or moved later since).
pub async fn publish_scheduled(tx: &mut Tx, id: Id) -> StoreResult<bool> {
    let now = tx.now().micros();
    let published = sqlx::query(
        "UPDATE notes SET status = 'published', published_at = $1, publish_at = NULL, updated_at = $1
         WHERE id = $2 AND status = 'draft' AND deleted_at IS NULL AND publish_at IS NOT NULL AND publish_at <= $1",
    )
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?;
    Ok(published.rows_affected() == 1)
}

/// Ids of the members mentioned in a note.
pub async fn mention_ids(conn: &mut Conn, note_id: Id) -> StoreResult<Vec<Id>> {
    let rows = sqlx::query("SELECT user_id FROM note_mentions WHERE note_id = $1 ORDER BY user_id")
        .bind(note_id.as_i64())
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| Ok(Id::from_i64(r.try_get("user_id")?))).collect()
}

/// Deletes a note, leaving a tombstone: content and links purged, id kept.
pub async fn tombstone(tx: &mut Tx, id: Id) -> StoreResult<bool> {
    let now = tx.now().micros();
    // Its images stop being served at once (unless another live note shows them, or a
    // review it was published from: the review stands).
    sqlx::query(
        "UPDATE media SET deleted_at = $1
         WHERE deleted_at IS NULL
           AND id IN (SELECT media_id FROM note_media WHERE note_id = $2)
           AND NOT EXISTS (SELECT 1 FROM note_media other JOIN notes n ON n.id = other.note_id
                           WHERE other.media_id = media.id AND other.note_id <> $2 AND n.deleted_at IS NULL)
           AND NOT EXISTS (SELECT 1 FROM review_media rm WHERE rm.media_id = media.id)",
    )
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?;
    let removed = sqlx::query(
        "UPDATE notes SET title = '', body = '', location = NULL, cover_media_id = NULL, publish_at = NULL,
                          updated_at = $1, deleted_at = $1
         WHERE id = $2 AND deleted_at IS NULL",
    )
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?;
    let empty = NoteContent {
        title: "",
        body: "",
        location: None,
        visibility: "private",
        media_ids: &[],
        topics: &[],
        mention_ids: &[],
    };
    replace_parts(tx, id, &empty).await?;
    Ok(removed.rows_affected() == 1)
}

/// The live notes a member wrote as themselves (not those posted for an organization).
pub async fn ids_by_author(conn: &mut Conn, author: Id) -> StoreResult<Vec<Id>> {
    let rows = sqlx::query("SELECT id FROM notes WHERE author_id = $1 AND deleted_at IS NULL ORDER BY id")
        .bind(author.as_i64())
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| Ok(Id::from_i64(r.try_get("id")?))).collect::<Result<_, sqlx::Error>>().map_err(Into::into)
}

/// A live (not deleted) note.
pub async fn get(conn: &mut Conn, id: Id) -> StoreResult<Option<NoteRecord>> {
    let row = sqlx::query(select_notes!("WHERE n.id = $1 AND n.deleted_at IS NULL"))
        .bind(id.as_i64())
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

pub async fn media(conn: &mut Conn, note_id: Id) -> StoreResult<Vec<MediaRecord>> {
    crate::media::for_note(conn, note_id).await
}

pub async fn topics(conn: &mut Conn, note_id: Id) -> StoreResult<Vec<String>> {
    let rows = sqlx::query("SELECT topic FROM note_topics WHERE note_id = $1 ORDER BY topic")
        .bind(note_id.as_i64())
        .fetch_all(conn)
        .await?;
    Ok(rows.iter().map(|r| r.try_get("topic")).collect::<Result<_, _>>()?)
}

/// Live notes (drafts included) with an id above `after`, in id order (exports).
pub async fn after(conn: &mut Conn, after: Id, limit: u32) -> StoreResult<Vec<NoteRecord>> {
    let rows = sqlx::query(select_notes!("WHERE n.id > $1 AND n.deleted_at IS NULL ORDER BY n.id LIMIT $2"))
        .bind(after.as_i64())
        .bind(i64::from(limit))
        .fetch_all(conn)
        .await?;
    many(&rows)
}

/// The sum of every note's like counter (checks that counters match the likes).
pub async fn like_total(conn: &mut Conn) -> StoreResult<i64> {
    let row = sqlx::query("SELECT CAST(COALESCE(SUM(like_count), 0) AS BIGINT) FROM notes").fetch_one(conn).await?;
    Ok(row.try_get(0)?)
}

/// Usernames mentioned in a note.
pub async fn mentions(conn: &mut Conn, note_id: Id) -> StoreResult<Vec<String>> {
    let rows = sqlx::query(
        "SELECT a.handle FROM note_mentions nm JOIN actors a ON a.id = nm.user_id WHERE nm.note_id = $1 AND a.handle IS NOT NULL ORDER BY a.handle",
    )
    .bind(note_id.as_i64())
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(|r| r.try_get("handle")).collect::<Result<_, _>>()?)
}

/// A position in a newest-first list: published time, then id.
pub type Position = (i64, i64);

/// Published, public, unmoderated notes, newest first (the home placeholder).
pub async fn list_public(conn: &mut Conn, before: Option<Position>, limit: u32) -> StoreResult<Vec<NoteRecord>> {
    let (at, id) = before.unwrap_or((i64::MAX, i64::MAX));
    let rows = sqlx::query(select_notes!(
        "WHERE n.status = 'published' AND n.deleted_at IS NULL AND n.visibility = 'public' AND n.moderation = 'none'
           AND (n.published_at < $1 OR (n.published_at = $1 AND n.id < $2))
         ORDER BY n.published_at DESC, n.id DESC LIMIT $3"
    ))
    .bind(at)
    .bind(id)
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    many(&rows)
}

/// Published notes of actors that `follower_id` follows, newest first: public and
/// followers-only ones, moderated ones included (limited notes reach followers).
pub async fn list_following(
    conn: &mut Conn,
    follower_id: Id,
    before: Option<Position>,
    limit: u32,
) -> StoreResult<Vec<NoteRecord>> {
    let (at, id) = before.unwrap_or((i64::MAX, i64::MAX));
    let rows = sqlx::query(select_notes!(
        "JOIN follows f ON f.followee_id = n.author_id AND f.follower_id = $1
         WHERE n.status = 'published' AND n.deleted_at IS NULL AND n.visibility IN ('public', 'followers')
           AND (n.published_at < $2 OR (n.published_at = $2 AND n.id < $3))
         ORDER BY n.published_at DESC, n.id DESC LIMIT $4"
    ))
    .bind(follower_id.as_i64())
    .bind(at)
    .bind(id)
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    many(&rows)
}

/// What a viewer may see of one author's notes.
#[derive(Clone, Copy, Debug)]
pub struct AuthorView {
    /// The viewer follows the author: followers-only and limited notes too.
    pub follower: bool,
    /// The viewer writes for the author: everything, drafts and private notes included.
    pub insider: bool,
}

/// One author's notes, newest first (drafts, by creation, first for insiders).
pub async fn list_by_author(
    conn: &mut Conn,
    author_id: Id,
    view: AuthorView,
    before: Option<Position>,
    limit: u32,
) -> StoreResult<Vec<NoteRecord>> {
    let (at, id) = before.unwrap_or((i64::MAX, i64::MAX));
    let rows = sqlx::query(select_notes!(
        "WHERE n.author_id = $1 AND n.deleted_at IS NULL
           AND ($2 = 1 OR (n.status = 'published' AND (n.visibility = 'public' OR (n.visibility = 'followers' AND $3 = 1))
                            AND (n.moderation = 'none' OR $3 = 1)))
           AND (COALESCE(n.published_at, n.created_at) < $4 OR (COALESCE(n.published_at, n.created_at) = $4 AND n.id < $5))
         ORDER BY COALESCE(n.published_at, n.created_at) DESC, n.id DESC LIMIT $6"
    ))
    .bind(author_id.as_i64())
    .bind(i64::from(view.insider))
    .bind(i64::from(view.follower))
    .bind(at)
    .bind(id)
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    many(&rows)
}

/// Moderation: `limited` notes reach followers only.
pub async fn set_moderation(tx: &mut Tx, id: Id, moderation: &str) -> StoreResult<bool> {
    let result = sqlx::query("UPDATE notes SET moderation = $1 WHERE id = $2 AND deleted_at IS NULL")
        .bind(moderation)
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Counts a share; returns the new count.
pub async fn add_share(tx: &mut Tx, id: Id) -> StoreResult<i64> {
    let row = sqlx::query(
        "UPDATE notes SET share_count = share_count + 1 WHERE id = $1 AND deleted_at IS NULL RETURNING share_count",
    )
    .bind(id.as_i64())
    .fetch_one(tx.conn())
    .await?;
    Ok(row.try_get("share_count")?)
}

/// The engagement counters kept on a note.
#[derive(Clone, Copy, Debug)]
pub enum Counter {
    Likes,
    Saves,
    Comments,
}

/// Moves a note's counter by `delta`, relative to its current value, inside the
/// transaction that wrote the row justifying it (so concurrent writers never lose one).
pub async fn adjust(tx: &mut Tx, id: Id, counter: Counter, delta: i64) -> StoreResult<()> {
    let statement = match counter {
        Counter::Likes => "UPDATE notes SET like_count = like_count + $1 WHERE id = $2",
        Counter::Saves => "UPDATE notes SET save_count = save_count + $1 WHERE id = $2",
        Counter::Comments => "UPDATE notes SET comment_count = comment_count + $1 WHERE id = $2",
    };
    sqlx::query(statement).bind(delta).bind(id.as_i64()).execute(tx.conn()).await?;
    Ok(())
}

/// Likes and saves an author's published notes received, in total.
pub async fn received_engagement(conn: &mut Conn, author_id: Id) -> StoreResult<(i64, i64)> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(like_count), 0) AS BIGINT) AS likes,
                CAST(COALESCE(SUM(save_count), 0) AS BIGINT) AS saves
         FROM notes WHERE author_id = $1 AND status = 'published'",
    )
    .bind(author_id.as_i64())
    .fetch_one(conn)
    .await?;
    Ok((row.try_get("likes")?, row.try_get("saves")?))
}
