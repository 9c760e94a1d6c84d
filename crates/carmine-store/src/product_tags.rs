//! Products tagged in notes (with their pins) and the taps that attribute a buyer
//! to a note. The commerce context owns the rules (who may tag what, the window).

use carmine_core::{Id, Timestamp};
use sqlx::Row;

use crate::{Conn, StoreResult, Tx};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagRecord {
    pub note_id: Id,
    pub product_id: Id,
    pub position: i64,
    /// The image pinned on and the point, in thousandths of its width and height.
    pub pin: Option<(Id, i64, i64)>,
    pub affiliate: bool,
    pub tagged_by: Id,
    pub created_at: Timestamp,
}

pub struct TagRow {
    pub product_id: Id,
    pub pin: Option<(Id, i64, i64)>,
    pub affiliate: bool,
}

/// A note's tags in order.
pub async fn for_note(conn: &mut Conn, note_id: Id) -> StoreResult<Vec<TagRecord>> {
    let rows = sqlx::query(
        "SELECT note_id, product_id, position, media_id, pin_x, pin_y, affiliate, tagged_by, created_at
         FROM note_product_tags
         WHERE note_id = $1 ORDER BY position LIMIT 100",
    )
    .bind(note_id.as_i64())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let media = r.try_get::<Option<i64>, _>("media_id")?;
            let x = r.try_get::<Option<i64>, _>("pin_x")?;
            let y = r.try_get::<Option<i64>, _>("pin_y")?;
            Ok(TagRecord {
                note_id: Id::from_i64(r.try_get("note_id")?),
                product_id: Id::from_i64(r.try_get("product_id")?),
                position: r.try_get("position")?,
                pin: match (media, x, y) {
                    (Some(m), Some(x), Some(y)) => Some((Id::from_i64(m), x, y)),
                    _ => None,
                },
                affiliate: r.try_get::<i64, _>("affiliate")? == 1,
                tagged_by: Id::from_i64(r.try_get("tagged_by")?),
                created_at: Timestamp(r.try_get("created_at")?),
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Notes with tags after `after`, in id order (for `carmine export`).
pub async fn tagged_notes_after(conn: &mut Conn, after: Id, limit: u32) -> StoreResult<Vec<Id>> {
    let rows =
        sqlx::query("SELECT DISTINCT note_id FROM note_product_tags WHERE note_id > $1 ORDER BY note_id LIMIT $2")
            .bind(after.as_i64())
            .bind(i64::from(limit))
            .fetch_all(conn)
            .await?;
    rows.iter().map(|r| Ok(Id::from_i64(r.try_get(0)?))).collect::<Result<_, sqlx::Error>>().map_err(Into::into)
}

/// Replaces a note's tags.
pub async fn replace(tx: &mut Tx, note_id: Id, tagged_by: Id, tags: &[TagRow]) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query("DELETE FROM note_product_tags WHERE note_id = $1").bind(note_id.as_i64()).execute(tx.conn()).await?;
    for (position, tag) in tags.iter().enumerate() {
        sqlx::query(
            "INSERT INTO note_product_tags (note_id, product_id, position, media_id, pin_x, pin_y, affiliate, tagged_by,
                                            created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(note_id.as_i64())
        .bind(tag.product_id.as_i64())
        .bind(position as i64)
        .bind(tag.pin.map(|(m, _, _)| m.as_i64()))
        .bind(tag.pin.map(|(_, x, _)| x))
        .bind(tag.pin.map(|(_, _, y)| y))
        .bind(i64::from(tag.affiliate))
        .bind(tagged_by.as_i64())
        .bind(now)
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

/// A published, public, unmoderated note tagging a product, with what ranks it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaggedNote {
    pub note_id: Id,
    pub published_at: Timestamp,
    pub impressions: i64,
    pub likes: i64,
    pub saves: i64,
    pub comments: i64,
    pub shares: i64,
    pub follows: i64,
}

/// The newest `limit` notes anyone may see that tag a product.
pub async fn notes_about(conn: &mut Conn, product_id: Id, limit: i64) -> StoreResult<Vec<TaggedNote>> {
    // `CROSS JOIN` keeps SQLite on the product's tags first: left to itself (without
    // statistics) it walked every published note newest first to avoid a sort —
    // seconds on a million notes. PostgreSQL plans it as the inner join it is.
    let rows = sqlx::query(
        "SELECT t.note_id, n.published_at, COALESCE(s.impressions, 0) AS impressions, COALESCE(s.likes, 0) AS likes,
                COALESCE(s.saves, 0) AS saves, COALESCE(s.comments, 0) AS comments, COALESCE(s.shares, 0) AS shares,
                COALESCE(s.follows, 0) AS follows
         FROM note_product_tags t CROSS JOIN notes n LEFT JOIN note_stats s ON s.note_id = t.note_id
         WHERE n.id = t.note_id AND t.product_id = $1 AND n.status = 'published' AND n.visibility = 'public'
           AND n.moderation = 'none' AND n.deleted_at IS NULL
         ORDER BY n.published_at DESC, t.note_id DESC LIMIT $2",
    )
    .bind(product_id.as_i64())
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(TaggedNote {
                note_id: Id::from_i64(r.try_get("note_id")?),
                published_at: Timestamp(r.try_get::<Option<i64>, _>("published_at")?.unwrap_or(0)),
                impressions: r.try_get("impressions")?,
                likes: r.try_get("likes")?,
                saves: r.try_get("saves")?,
                comments: r.try_get("comments")?,
                shares: r.try_get("shares")?,
                follows: r.try_get("follows")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

pub struct Touch<'a> {
    pub visitor: &'a str,
    pub product_id: Id,
    pub note_id: Id,
    pub creator_id: Id,
    pub affiliate: bool,
}

pub async fn record_touch(tx: &mut Tx, touch: &Touch<'_>) -> StoreResult<()> {
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO product_attributions (id, visitor, product_id, note_id, creator_id, affiliate, touched_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id.as_i64())
    .bind(touch.visitor)
    .bind(touch.product_id.as_i64())
    .bind(touch.note_id.as_i64())
    .bind(touch.creator_id.as_i64())
    .bind(i64::from(touch.affiliate))
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The last tap of any of `visitors` on a product since `since`: (note, creator,
/// affiliate, when).
pub async fn last_touch(
    conn: &mut Conn,
    visitors: &[String],
    product_id: Id,
    since: Timestamp,
) -> StoreResult<Option<(Id, Id, bool, Timestamp)>> {
    let mut best: Option<(Id, Id, bool, Timestamp)> = None;
    for visitor in visitors {
        let row = sqlx::query(
            "SELECT note_id, creator_id, affiliate, touched_at FROM product_attributions
             WHERE visitor = $1 AND product_id = $2 AND touched_at >= $3 ORDER BY touched_at DESC, id DESC LIMIT 1",
        )
        .bind(visitor.as_str())
        .bind(product_id.as_i64())
        .bind(since.micros())
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(r) = row {
            let found = (
                Id::from_i64(r.try_get("note_id")?),
                Id::from_i64(r.try_get("creator_id")?),
                r.try_get::<i64, _>("affiliate")? == 1,
                Timestamp(r.try_get("touched_at")?),
            );
            if best.as_ref().is_none_or(|b| found.3 > b.3) {
                best = Some(found);
            }
        }
    }
    Ok(best)
}

/// Listed products whose title contains `text` (the tagging page's finder), newest first.
pub async fn find_products(conn: &mut Conn, text: &str, limit: i64) -> StoreResult<Vec<Id>> {
    let rows = sqlx::query(
        "SELECT p.id FROM products p JOIN stores s ON s.id = p.store_id
         WHERE p.status = 'active' AND s.status = 'open' AND (LOWER(p.title) LIKE $1 OR LOWER(p.brand) LIKE $1)
         ORDER BY p.id DESC LIMIT $2",
    )
    .bind(format!("%{}%", text.to_lowercase().replace(['%', '_', '\\'], "")))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok(Id::from_i64(r.try_get("id")?))).collect::<Result<_, sqlx::Error>>().map_err(Into::into)
}
