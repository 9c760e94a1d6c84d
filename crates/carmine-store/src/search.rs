//! What the search index is built from: published notes with their author, counters
//! and topics, and actors (members and organizations) with their follower counts; and
//! what a searcher's visibility filter needs (whom they follow, which organizations
//! they belong to).

use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::stats::Counters;
use crate::{Conn, StoreResult, Tx};

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
                    n.title, n.body, n.visibility, n.status, n.moderation, n.published_at,
                    n.like_count, n.save_count, n.comment_count, n.share_count,
                    COALESCE(s.impressions, 0) AS impressions, COALESCE(s.follows, 0) AS follows,
                    (SELECT COUNT(*) FROM note_media nm WHERE nm.note_id = n.id) AS images
             FROM notes n
             JOIN actors a ON a.id = n.author_id
             LEFT JOIN users u ON u.id = n.author_id
             LEFT JOIN orgs o ON o.id = n.author_id
             LEFT JOIN note_stats s ON s.note_id = n.id
             WHERE n.deleted_at IS NULL ",
            $($rest),*
        )
    };
}

/// The row as a document, if the note is published (drafts are skipped here, not in
/// SQL: a status condition would lead SQLite away from the primary key).
fn document(row: &AnyRow) -> Result<Option<NoteDocument>, sqlx::Error> {
    let published_at: Option<i64> = row.try_get("published_at")?;
    let Some(published_at) =
        published_at.filter(|_| row.try_get::<String, _>("status").is_ok_and(|s| s == "published"))
    else {
        return Ok(None);
    };
    Ok(Some(NoteDocument {
        id: Id::from_i64(row.try_get("id")?),
        author_id: Id::from_i64(row.try_get("author_id")?),
        author_handle: row.try_get::<Option<String>, _>("handle")?.unwrap_or_default(),
        author_name: row.try_get("author_name")?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        visibility: row.try_get("visibility")?,
        moderation: row.try_get("moderation")?,
        published_at: Timestamp(published_at),
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
    }))
}

/// The note as the index stores it; None unless it is published and not deleted.
pub async fn note(conn: &mut Conn, id: Id) -> StoreResult<Option<NoteDocument>> {
    let row = sqlx::query(select_documents!("AND n.id = $1")).bind(id.as_i64()).fetch_optional(&mut *conn).await?;
    let Some(mut note) = row.as_ref().map(document).transpose()?.flatten() else { return Ok(None) };
    note.topics = crate::notes::topics(conn, id).await?;
    Ok(Some(note))
}

/// The published notes among the `limit` live notes with an id above `after`, in id
/// order, with their topics, and the last id read (None: nothing left). A rebuild
/// walks the whole table this way, along the primary key.
pub async fn notes_after(conn: &mut Conn, after: Id, limit: u32) -> StoreResult<(Vec<NoteDocument>, Option<Id>)> {
    let rows = sqlx::query(select_documents!("AND n.id > $1 ORDER BY n.id LIMIT $2"))
        .bind(after.as_i64())
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await?;
    let read = match rows.last() {
        Some(row) => Some(Id::from_i64(row.try_get("id")?)),
        None => return Ok((Vec::new(), None)),
    };
    let mut notes: Vec<NoteDocument> =
        rows.iter().map(document).collect::<Result<Vec<_>, _>>()?.into_iter().flatten().collect();
    let Some(last) = notes.last().map(|n| n.id) else { return Ok((notes, read)) };
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
    Ok((notes, read))
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

/// Remembers that `user_id` searched `query` (the newest `keep` are kept).
pub async fn remember(tx: &mut Tx, user_id: Id, query: &str, at: Timestamp, keep: i64) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO search_history (user_id, query, searched_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, query) DO UPDATE SET searched_at = excluded.searched_at",
    )
    .bind(user_id.as_i64())
    .bind(query)
    .bind(at.micros())
    .execute(tx.conn())
    .await?;
    sqlx::query(
        "DELETE FROM search_history WHERE user_id = $1 AND query NOT IN
             (SELECT query FROM search_history WHERE user_id = $1 ORDER BY searched_at DESC, query LIMIT $2)",
    )
    .bind(user_id.as_i64())
    .bind(keep)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A member's searches, the latest first.
pub async fn history(conn: &mut Conn, user_id: Id, limit: i64) -> StoreResult<Vec<(String, Timestamp)>> {
    let rows = sqlx::query(
        "SELECT query, searched_at FROM search_history WHERE user_id = $1 ORDER BY searched_at DESC, query LIMIT $2",
    )
    .bind(user_id.as_i64())
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("query")?, Timestamp(r.try_get("searched_at")?))))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Forgets one search of a member's history (`Some`), or all of it; how many.
pub async fn forget(tx: &mut Tx, user_id: Id, query: Option<&str>) -> StoreResult<u64> {
    let done = match query {
        Some(query) => {
            sqlx::query("DELETE FROM search_history WHERE user_id = $1 AND query = $2")
                .bind(user_id.as_i64())
                .bind(query)
                .execute(tx.conn())
                .await?
        }
        None => {
            sqlx::query("DELETE FROM search_history WHERE user_id = $1")
                .bind(user_id.as_i64())
                .execute(tx.conn())
                .await?
        }
    };
    Ok(done.rows_affected())
}

/// Counts one first-page search of `query` by `member` in the hour `bucket`: the hour's
/// searches, its distinct members, and the member as one of the query's searchers.
pub async fn count_search(tx: &mut Tx, query: &str, bucket: i64, member: Id) -> StoreResult<()> {
    let new_searcher = sqlx::query(
        "INSERT INTO search_query_searchers (query, bucket, searcher) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(query)
    .bind(bucket)
    .bind(member.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected() as i64;
    sqlx::query(
        "INSERT INTO search_query_hourly (query, bucket, searches, searchers) VALUES ($1, $2, 1, $3)
         ON CONFLICT (query, bucket) DO UPDATE SET searches = search_query_hourly.searches + 1,
             searchers = search_query_hourly.searchers + excluded.searchers",
    )
    .bind(query)
    .bind(bucket)
    .bind(new_searcher)
    .execute(tx.conn())
    .await?;
    sqlx::query(
        "INSERT INTO search_query_members (query, member_id, last_bucket) VALUES ($1, $2, $3)
         ON CONFLICT (query, member_id) DO UPDATE SET last_bucket = excluded.last_bucket
         WHERE excluded.last_bucket > search_query_members.last_bucket",
    )
    .bind(query)
    .bind(member.as_i64())
    .bind(bucket)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Forgets who searched: per-hour searcher rows of hours before `hours_before`, and
/// members whose last search of a query was before `members_before` (counts stay).
pub async fn prune_searchers(tx: &mut Tx, hours_before: i64, members_before: i64) -> StoreResult<u64> {
    let hours = sqlx::query("DELETE FROM search_query_searchers WHERE bucket < $1")
        .bind(hours_before)
        .execute(tx.conn())
        .await?;
    let members = sqlx::query("DELETE FROM search_query_members WHERE last_bucket < $1")
        .bind(members_before)
        .execute(tx.conn())
        .await?;
    Ok(hours.rows_affected() + members.rows_affected())
}

/// Per query since the hour `from`: searchers from the hour `recent` on, and before it.
/// Only queries that at least `min_members` distinct members searched from `recent`
/// on, at most `limit`, the most recent searchers first.
pub async fn query_windows(
    conn: &mut Conn,
    from: i64,
    recent: i64,
    min_members: i64,
    limit: i64,
) -> StoreResult<Vec<(String, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT query,
                CAST(SUM(CASE WHEN bucket >= $2 THEN searchers ELSE 0 END) AS BIGINT) AS recent,
                CAST(SUM(CASE WHEN bucket < $2 THEN searchers ELSE 0 END) AS BIGINT) AS earlier
         FROM search_query_hourly
         WHERE bucket >= $1 AND query IN (
             SELECT query FROM search_query_members WHERE last_bucket >= $2
             GROUP BY query HAVING COUNT(*) >= $3)
         GROUP BY query
         ORDER BY recent DESC, query LIMIT $4",
    )
    .bind(from)
    .bind(recent)
    .bind(min_members)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("query")?, r.try_get("recent")?, r.try_get("earlier")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Hides `query` from trending and suggestions; false if it already was.
pub async fn hide(tx: &mut Tx, query: &str, by: Id) -> StoreResult<bool> {
    let now = tx.now().micros();
    let done = sqlx::query(
        "INSERT INTO search_hidden_terms (query, hidden_by, hidden_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(query)
    .bind(by.as_i64())
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Shows `query` again; false if it was not hidden.
pub async fn unhide(tx: &mut Tx, query: &str) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM search_hidden_terms WHERE query = $1").bind(query).execute(tx.conn()).await?;
    Ok(done.rows_affected() == 1)
}

/// Hidden terms, alphabetically (at most `limit`).
pub async fn hidden(conn: &mut Conn, limit: i64) -> StoreResult<Vec<String>> {
    let rows = sqlx::query("SELECT query FROM search_hidden_terms ORDER BY query LIMIT $1")
        .bind(limit)
        .fetch_all(conn)
        .await?;
    Ok(rows.iter().map(|r| r.try_get("query")).collect::<Result<_, _>>()?)
}

/// The most searched queries since the hour `from` (by searchers) that at least
/// `min_members` distinct members searched since then, at most `limit`.
pub async fn popular_queries(
    conn: &mut Conn,
    from: i64,
    min_members: i64,
    limit: i64,
) -> StoreResult<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT query, CAST(SUM(searchers) AS BIGINT) AS searchers FROM search_query_hourly
         WHERE bucket >= $1 AND query IN (
             SELECT query FROM search_query_members WHERE last_bucket >= $1
             GROUP BY query HAVING COUNT(*) >= $2)
         GROUP BY query ORDER BY searchers DESC, query LIMIT $3",
    )
    .bind(from)
    .bind(min_members)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("query")?, r.try_get("searchers")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// A product as the index stores it (listed or not: the indexer drops unlisted ones).
#[derive(Clone, Debug)]
pub struct ProductDocument {
    pub id: Id,
    pub title: String,
    pub description: String,
    pub brand: String,
    /// The product's category and its ancestors.
    pub categories: Vec<Id>,
    pub store_id: Id,
    pub store_name: String,
    pub store_type: String,
    pub cross_border: bool,
    pub in_stock: bool,
    pub price_minor: i64,
    pub sales: i64,
    pub created_at: Timestamp,
    /// Active, in an open store.
    pub listed: bool,
}

macro_rules! select_product_documents {
    ($($rest:literal)*) => {
        concat!(
            "SELECT p.id, p.title, p.description, p.brand, p.category_id, c.parent_id AS category_parent,
                    cp.parent_id AS category_grandparent, p.store_id, s.name AS store_name, s.store_type,
                    p.cross_border, p.stock_total, p.price_min_minor, p.sales_count, p.created_at, p.status,
                    s.status AS store_status
             FROM products p JOIN stores s ON s.id = p.store_id JOIN categories c ON c.id = p.category_id
                  LEFT JOIN categories cp ON cp.id = c.parent_id ",
            $($rest),*
        )
    };
}

fn product_document(row: &AnyRow) -> Result<ProductDocument, sqlx::Error> {
    let categories = [
        row.try_get::<Option<i64>, _>("category_id")?,
        row.try_get("category_parent")?,
        row.try_get("category_grandparent")?,
    ]
    .into_iter()
    .flatten()
    .map(Id::from_i64)
    .collect();
    Ok(ProductDocument {
        id: Id::from_i64(row.try_get("id")?),
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        brand: row.try_get("brand")?,
        categories,
        store_id: Id::from_i64(row.try_get("store_id")?),
        store_name: row.try_get("store_name")?,
        store_type: row.try_get("store_type")?,
        cross_border: row.try_get::<i64, _>("cross_border")? == 1,
        in_stock: row.try_get::<i64, _>("stock_total")? > 0,
        price_minor: row.try_get("price_min_minor")?,
        sales: row.try_get("sales_count")?,
        created_at: Timestamp(row.try_get("created_at")?),
        listed: row.try_get::<String, _>("status")? == "active" && row.try_get::<String, _>("store_status")? == "open",
    })
}

pub async fn product(conn: &mut Conn, id: Id) -> StoreResult<Option<ProductDocument>> {
    let row = sqlx::query(select_product_documents!("WHERE p.id = $1")).bind(id.as_i64()).fetch_optional(conn).await?;
    Ok(row.as_ref().map(product_document).transpose()?)
}

/// Products after `after` in id order (the rebuild's pages).
pub async fn products_after(conn: &mut Conn, after: Id, limit: u32) -> StoreResult<Vec<ProductDocument>> {
    let rows = sqlx::query(select_product_documents!("WHERE p.id > $1 ORDER BY p.id LIMIT $2"))
        .bind(after.as_i64())
        .bind(i64::from(limit))
        .fetch_all(conn)
        .await?;
    Ok(rows.iter().map(product_document).collect::<Result<_, _>>()?)
}

/// A store's product ids after `after` (a suspension touches them all).
pub async fn product_ids_by_store(conn: &mut Conn, store_id: Id, after: Id, limit: u32) -> StoreResult<Vec<Id>> {
    let rows = sqlx::query("SELECT id FROM products WHERE store_id = $1 AND id > $2 ORDER BY id LIMIT $3")
        .bind(store_id.as_i64())
        .bind(after.as_i64())
        .bind(i64::from(limit))
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| Ok(Id::from_i64(r.try_get("id")?))).collect::<Result<_, sqlx::Error>>().map_err(Into::into)
}
