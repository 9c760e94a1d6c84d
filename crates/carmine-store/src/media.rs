//! Uploaded images: one row per upload describing its two JPEG variants.

use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, StoreResult, Tx};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaRecord {
    pub id: Id,
    pub owner_id: Id,
    pub url_key: String,
    pub source_format: String,
    pub source_bytes: i64,
    pub width: i64,
    pub height: i64,
    pub grid_width: i64,
    pub grid_height: i64,
    pub stored_bytes: i64,
    pub placeholder_color: String,
    /// What the image shows, in the uploader's words (empty: not given).
    pub alt_text: String,
    pub created_at: Timestamp,
}

/// What the media context measured; the row gets its id and time from the transaction.
pub struct NewMedia<'a> {
    pub id: Id,
    pub owner_id: Id,
    pub url_key: &'a str,
    pub source_format: &'a str,
    pub source_bytes: i64,
    pub width: i64,
    pub height: i64,
    pub grid_width: i64,
    pub grid_height: i64,
    pub stored_bytes: i64,
    pub placeholder_color: &'a str,
}

fn from_row(row: &AnyRow) -> Result<MediaRecord, sqlx::Error> {
    Ok(MediaRecord {
        id: Id::from_i64(row.try_get("id")?),
        owner_id: Id::from_i64(row.try_get("owner_id")?),
        url_key: row.try_get("url_key")?,
        source_format: row.try_get("source_format")?,
        source_bytes: row.try_get("source_bytes")?,
        width: row.try_get("width")?,
        height: row.try_get("height")?,
        grid_width: row.try_get("grid_width")?,
        grid_height: row.try_get("grid_height")?,
        stored_bytes: row.try_get("stored_bytes")?,
        placeholder_color: row.try_get("placeholder_color")?,
        alt_text: row.try_get("alt_text")?,
        created_at: Timestamp(row.try_get("created_at")?),
    })
}

/// The id is chosen by the caller, because the files are written under it first.
pub async fn insert(tx: &mut Tx, media: &NewMedia<'_>) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO media (id, owner_id, url_key, source_format, source_bytes, width, height, grid_width, grid_height,
                            stored_bytes, placeholder_color, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(media.id.as_i64())
    .bind(media.owner_id.as_i64())
    .bind(media.url_key)
    .bind(media.source_format)
    .bind(media.source_bytes)
    .bind(media.width)
    .bind(media.height)
    .bind(media.grid_width)
    .bind(media.grid_height)
    .bind(media.stored_bytes)
    .bind(media.placeholder_color)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Sets what an image shows, if `owner_id` uploaded it; true if it did.
pub async fn set_alt_text(tx: &mut Tx, id: Id, owner_id: Id, alt_text: &str) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE media SET alt_text = $1 WHERE id = $2 AND owner_id = $3 AND deleted_at IS NULL")
        .bind(alt_text)
        .bind(id.as_i64())
        .bind(owner_id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Deleted images whose files are still on disk, oldest first, at most `limit`.
pub async fn deleted_with_files(conn: &mut Conn, limit: i64) -> StoreResult<Vec<Id>> {
    let rows = sqlx::query(
        "SELECT id FROM media WHERE deleted_at IS NOT NULL AND files_removed_at IS NULL ORDER BY deleted_at, id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok(Id::from_i64(r.try_get("id")?))).collect::<Result<_, sqlx::Error>>().map_err(Into::into)
}

/// Records that a deleted image's files are gone.
pub async fn mark_files_removed(tx: &mut Tx, id: Id) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query("UPDATE media SET files_removed_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Marks every live upload of a member deleted (an erased account); returns how many.
pub async fn delete_for_owner(tx: &mut Tx, owner_id: Id) -> StoreResult<u64> {
    let now = tx.now().micros();
    let done = sqlx::query("UPDATE media SET deleted_at = $1 WHERE owner_id = $2 AND deleted_at IS NULL")
        .bind(now)
        .bind(owner_id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected())
}

/// A live (not deleted) upload.
pub async fn get(conn: &mut Conn, id: Id) -> StoreResult<Option<MediaRecord>> {
    let row = sqlx::query(
        "SELECT id, owner_id, url_key, source_format, source_bytes, width, height, grid_width, grid_height, stored_bytes,
                placeholder_color, alt_text, created_at
         FROM media WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(id.as_i64())
    .fetch_optional(conn)
    .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// The images of a note, in their order, in one query.
pub async fn for_note(conn: &mut Conn, note_id: Id) -> StoreResult<Vec<MediaRecord>> {
    let rows = sqlx::query(
        "SELECT m.id, m.owner_id, m.url_key, m.source_format, m.source_bytes, m.width, m.height, m.grid_width, m.grid_height,
                m.stored_bytes, m.placeholder_color, m.alt_text, m.created_at
         FROM note_media nm JOIN media m ON m.id = nm.media_id
         WHERE nm.note_id = $1 AND m.deleted_at IS NULL ORDER BY nm.position",
    )
    .bind(note_id.as_i64())
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// The images of a product, in their order.
pub async fn for_product(conn: &mut Conn, product_id: Id) -> StoreResult<Vec<MediaRecord>> {
    let rows = sqlx::query(
        "SELECT m.id, m.owner_id, m.url_key, m.source_format, m.source_bytes, m.width, m.height, m.grid_width, m.grid_height,
                m.stored_bytes, m.placeholder_color, m.alt_text, m.created_at
         FROM product_media pm JOIN media m ON m.id = pm.media_id
         WHERE pm.product_id = $1 AND m.deleted_at IS NULL ORDER BY pm.position",
    )
    .bind(product_id.as_i64())
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// How many uploads, and how many source bytes, a member made since `since`.
pub async fn usage_since(conn: &mut Conn, owner_id: Id, since: Timestamp) -> StoreResult<(i64, i64)> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS uploads, CAST(COALESCE(SUM(source_bytes), 0) AS BIGINT) AS bytes
         FROM media WHERE owner_id = $1 AND created_at >= $2",
    )
    .bind(owner_id.as_i64())
    .bind(since.micros())
    .fetch_one(conn)
    .await?;
    // SUM is NUMERIC on PostgreSQL, which `Any` cannot decode: the CAST keeps it BIGINT.
    Ok((row.try_get("uploads")?, row.try_get("bytes")?))
}
