//! What the search index is built from: published notes with their author, counters
//! and topics, and actors (members and organizations) with their follower counts; and
//! what a searcher's visibility filter needs (whom they follow, which organizations
//! they belong to).

use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::stats::Counters;
use crate::{Conn, StoreResult};

/// A published note as the index stores it.
#[derive(Clone, Debug)]
pub struct NoteDocument {
    pub id: Id,
    pub author_id: Id,
    pub author_handle: String,
    pub author_name: String,
    pub title: String,
    pub body: String,
    pub visibility: String,
    pub moderation: String,
    pub published_at: Timestamp,
    /// Likes, saves, comments and shares from the note's own (exact) counters;
    /// impressions and follows from its statistics.
    pub counters: Counters,
    pub images: i64,
    pub topics: Vec<String>,
}

macro_rules! select_documents {
    ($($rest:literal)*) => {
        concat!(
            "SELECT n.id, n.author_id, a.handle, COALESCE(u.display_name, o.name, '') AS author_name,
                    n.title, n.body, n.visibility, n.moderation, n.published_at,
                    n.like_count, n.save_count, n.comment_count, n.share_count,
                    COALESCE(s.impressions, 0) AS impressions, COALESCE(s.follows, 0) AS follows,
                    (SELECT COUNT(*) FROM note_media nm WHERE nm.note_id = n.id) AS images
             FROM notes n
             JOIN actors a ON a.id = n.author_id
             LEFT JOIN users u ON u.id = n.author_id
             LEFT JOIN orgs o ON o.id = n.author_id
             LEFT JOIN note_stats s ON s.note_id = n.id
             WHERE n.deleted_at IS NULL AND n.status = 'published' AND n.published_at IS NOT NULL ",
            $($rest),*
        )
    };
}

fn document(row: &AnyRow) -> Result<NoteDocument, sqlx::Error> {
    Ok(NoteDocument {
        id: Id::from_i64(row.try_get("id")?),
        author_id: Id::from_i64(row.try_get("author_id")?),
        author_handle: row.try_get::<Option<String>, _>("handle")?.unwrap_or_default(),
        author_name: row.try_get("author_name")?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        visibility: row.try_get("visibility")?,
        moderation: row.try_get("moderation")?,
        published_at: Timestamp(row.try_get("published_at")?),
        counters: Counters {
            impressions: row.try_get("impressions")?,
            likes: row.try_get("like_count")?,
            saves: row.try_get("save_count")?,
            comments: row.try_get("comment_count")?,
            shares: row.try_get("share_count")?,
            follows: row.try_get("follows")?,
            ..Counters::default()
        },
        images: row.try_get("images")?,
        topics: Vec::new(),
    })
}

/// The note as the index stores it; None unless it is published and not deleted.
pub async fn note(conn: &mut Conn, id: Id) -> StoreResult<Option<NoteDocument>> {
    let row = sqlx::query(select_documents!("AND n.id = $1")).bind(id.as_i64()).fetch_optional(&mut *conn).await?;
    let Some(mut note) = row.as_ref().map(document).transpose()? else { return Ok(None) };
    note.topics = crate::notes::topics(conn, id).await?;
    Ok(Some(note))
}

/// Published notes with an id above `after`, in id order, with their topics (a
/// rebuild reads the whole table this way).
pub async fn notes_after(conn: &mut Conn, after: Id, limit: u32) -> StoreResult<Vec<NoteDocument>> {
    let rows = sqlx::query(select_documents!("AND n.id > $1 ORDER BY n.id LIMIT $2"))
        .bind(after.as_i64())
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await?;
    let mut notes = rows.iter().map(document).collect::<Result<Vec<_>, _>>()?;
    let Some(last) = notes.last().map(|n| n.id) else { return Ok(notes) };
    let topics = sqlx::query(
        "SELECT note_id, topic FROM note_topics WHERE note_id > $1 AND note_id <= $2 ORDER BY note_id, topic",
    )
    .bind(after.as_i64())
    .bind(last.as_i64())
    .fetch_all(conn)
    .await?;
    let mut at = 0;
    for row in &topics {
        let note_id = Id::from_i64(row.try_get("note_id")?);
        while at < notes.len() && notes[at].id < note_id {
            at += 1;
        }
        if let Some(note) = notes.get_mut(at).filter(|n| n.id == note_id) {
            note.topics.push(row.try_get("topic")?);
        }
    }
    Ok(notes)
}

/// The ids of an author's live notes above `after`, in id order (re-indexed when the
/// author's name changes).
pub async fn note_ids_by_author(conn: &mut Conn, author_id: Id, after: Id, limit: u32) -> StoreResult<Vec<Id>> {
    let rows = sqlx::query(
        "SELECT id FROM notes WHERE author_id = $1 AND id > $2 AND deleted_at IS NULL ORDER BY id LIMIT $3",
    )
    .bind(author_id.as_i64())
    .bind(after.as_i64())
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(|r| r.try_get::<i64, _>("id").map(Id::from_i64)).collect::<Result<_, _>>()?)
}

/// A member or organization as the index stores it.
#[derive(Clone, Debug)]
pub struct ActorDocument {
    pub id: Id,
    /// `member` or `org`.
    pub kind: String,
    pub handle: String,
    pub name: String,
    /// A member's bio or an organization's description.
    pub about: String,
    pub followers: i64,
}

macro_rules! select_actors {
    ($($rest:literal)*) => {
        concat!(
            "SELECT a.id, a.kind, a.handle, COALESCE(u.display_name, o.name, '') AS name,
                    COALESCE(u.bio, o.description, '') AS about,
                    (SELECT COUNT(*) FROM follows f WHERE f.followee_id = a.id) AS followers
             FROM actors a
             LEFT JOIN users u ON u.id = a.id
             LEFT JOIN orgs o ON o.id = a.id
             WHERE a.deleted_at IS NULL AND a.handle IS NOT NULL
               AND u.suspended_at IS NULL AND u.deleted_at IS NULL AND o.deleted_at IS NULL ",
            $($rest),*
        )
    };
}

fn actor(row: &AnyRow) -> Result<ActorDocument, sqlx::Error> {
    Ok(ActorDocument {
        id: Id::from_i64(row.try_get("id")?),
        kind: row.try_get("kind")?,
        handle: row.try_get("handle")?,
        name: row.try_get("name")?,
        about: row.try_get("about")?,
        followers: row.try_get("followers")?,
    })
}

/// The actor as the index stores it; None if erased, deleted or suspended.
pub async fn actor_document(conn: &mut Conn, id: Id) -> StoreResult<Option<ActorDocument>> {
    let row = sqlx::query(select_actors!("AND a.id = $1")).bind(id.as_i64()).fetch_optional(conn).await?;
    Ok(row.as_ref().map(actor).transpose()?)
}

/// Searchable actors with an id above `after`, in id order.
pub async fn actors_after(conn: &mut Conn, after: Id, limit: u32) -> StoreResult<Vec<ActorDocument>> {
    let rows = sqlx::query(select_actors!("AND a.id > $1 ORDER BY a.id LIMIT $2"))
        .bind(after.as_i64())
        .bind(i64::from(limit))
        .fetch_all(conn)
        .await?;
    Ok(rows.iter().map(actor).collect::<Result<_, _>>()?)
}

/// Whose followers-only notes a member may find: the actors they follow (at most
/// `limit`), and the organizations they belong to (whose notes they may see whole).
pub async fn viewer_scope(conn: &mut Conn, user_id: Id, limit: u32) -> StoreResult<(Vec<Id>, Vec<Id>)> {
    let followed = sqlx::query("SELECT followee_id FROM follows WHERE follower_id = $1 ORDER BY followee_id LIMIT $2")
        .bind(user_id.as_i64())
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await?;
    let orgs = sqlx::query("SELECT org_id FROM org_members WHERE user_id = $1 ORDER BY org_id")
        .bind(user_id.as_i64())
        .fetch_all(conn)
        .await?;
    let ids = |rows: &[AnyRow], column: &str| -> Result<Vec<Id>, sqlx::Error> {
        rows.iter().map(|r| r.try_get::<i64, _>(column).map(Id::from_i64)).collect()
    };
    Ok((ids(&followed, "followee_id")?, ids(&orgs, "org_id")?))
}
