//! The platform's product category tree: names in both languages, a commission rate
//! in basis points, order among siblings, archival. The commerce context owns the
//! rules (depth, who may change what); this module only reads and writes rows.

use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, StoreResult, Tx};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CategoryRecord {
    pub id: Id,
    pub parent_id: Option<Id>,
    pub slug: String,
    pub name_en: String,
    pub name_zh: String,
    pub commission_bps: i64,
    pub position: i64,
    pub archived_at: Option<Timestamp>,
    pub updated_at: Timestamp,
}

macro_rules! select_categories {
    ($rest:literal) => {
        concat!(
            "SELECT id, parent_id, slug, name_en, name_zh, commission_bps, position, archived_at, updated_at
             FROM categories ",
            $rest
        )
    };
}

fn from_row(row: &AnyRow) -> Result<CategoryRecord, sqlx::Error> {
    Ok(CategoryRecord {
        id: Id::from_i64(row.try_get("id")?),
        parent_id: row.try_get::<Option<i64>, _>("parent_id")?.map(Id::from_i64),
        slug: row.try_get("slug")?,
        name_en: row.try_get("name_en")?,
        name_zh: row.try_get("name_zh")?,
        commission_bps: row.try_get("commission_bps")?,
        position: row.try_get("position")?,
        archived_at: row.try_get::<Option<i64>, _>("archived_at")?.map(Timestamp),
        updated_at: Timestamp(row.try_get("updated_at")?),
    })
}

/// The whole tree (bounded by `CATEGORIES_MAX`), by position then id; the commerce
/// context arranges it under parents.
pub async fn list(conn: &mut Conn) -> StoreResult<Vec<CategoryRecord>> {
    let rows = sqlx::query(select_categories!("ORDER BY position, id LIMIT 2000")).fetch_all(conn).await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

pub async fn get(conn: &mut Conn, id: Id) -> StoreResult<Option<CategoryRecord>> {
    let row = sqlx::query(select_categories!("WHERE id = $1")).bind(id.as_i64()).fetch_optional(conn).await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

pub async fn count(conn: &mut Conn) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM categories").fetch_one(conn).await?;
    Ok(row.try_get("n")?)
}

/// Live (not archived) children of a category.
pub async fn count_live_children(conn: &mut Conn, id: Id) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM categories WHERE parent_id = $1 AND archived_at IS NULL")
        .bind(id.as_i64())
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

pub struct CategoryRow<'a> {
    pub parent_id: Option<Id>,
    pub slug: &'a str,
    pub name_en: &'a str,
    pub name_zh: &'a str,
    pub commission_bps: i64,
    pub position: i64,
}

pub async fn insert(tx: &mut Tx, row: &CategoryRow<'_>) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO categories (id, parent_id, slug, name_en, name_zh, commission_bps, position, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(id.as_i64())
    .bind(row.parent_id.map(Id::as_i64))
    .bind(row.slug)
    .bind(row.name_en)
    .bind(row.name_zh)
    .bind(row.commission_bps)
    .bind(row.position)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(id)
}

/// Rewrites a category's names, rate and position (its slug and parent never change).
pub async fn update(tx: &mut Tx, id: Id, row: &CategoryRow<'_>) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query(
        "UPDATE categories SET name_en = $1, name_zh = $2, commission_bps = $3, position = $4, updated_at = $5
         WHERE id = $6",
    )
    .bind(row.name_en)
    .bind(row.name_zh)
    .bind(row.commission_bps)
    .bind(row.position)
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Archives (`true`) or restores a category: archived ones take no new products.
pub async fn set_archived(tx: &mut Tx, id: Id, archived: bool) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query(
        "UPDATE categories SET archived_at = CASE WHEN $1 = 1 THEN $2 ELSE NULL END, updated_at = $2 WHERE id = $3",
    )
    .bind(i64::from(archived))
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?;
    Ok(())
}
