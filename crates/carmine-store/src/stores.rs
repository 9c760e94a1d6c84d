//! Stores (one per organization), their shipping templates with per-region fees,
//! and their warehouses. The commerce context owns the rules; statuses and store
//! types are stored as text.

use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, StoreResult, Tx};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreRecord {
    pub id: Id,
    pub org_id: Id,
    /// The organization's handle and kind (the store lives at `/o/{handle}/store`).
    pub handle: String,
    pub org_kind: String,
    pub name: String,
    pub description: String,
    pub store_type: String,
    /// A live image: (media id, url key).
    pub logo: Option<(Id, String)>,
    pub banner: Option<(Id, String)>,
    pub return_days: i64,
    pub return_policy: String,
    pub score_centi: i64,
    pub status: String,
    pub suspended_reason: Option<String>,
    pub suspended_at: Option<Timestamp>,
    pub default_template_id: Option<Id>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

macro_rules! select_stores {
    ($($rest:literal)*) => {
        concat!(
            "SELECT s.id, s.org_id, a.handle, o.kind AS org_kind, s.name, s.description, s.store_type,
                    lm.id AS logo_id, lm.url_key AS logo_key, bm.id AS banner_id, bm.url_key AS banner_key,
                    s.return_days, s.return_policy, s.score_centi, s.status, s.suspended_reason, s.suspended_at,
                    s.default_template_id, s.created_at, s.updated_at
             FROM stores s JOIN orgs o ON o.id = s.org_id JOIN actors a ON a.id = s.org_id
                  LEFT JOIN media lm ON lm.id = s.logo_media_id AND lm.deleted_at IS NULL
                  LEFT JOIN media bm ON bm.id = s.banner_media_id AND bm.deleted_at IS NULL ",
            $($rest),*
        )
    };
}

fn image(row: &AnyRow, id: &str, key: &str) -> Result<Option<(Id, String)>, sqlx::Error> {
    let id = row.try_get::<Option<i64>, _>(id)?;
    let key = row.try_get::<Option<String>, _>(key)?;
    Ok(id.zip(key).map(|(id, key)| (Id::from_i64(id), key)))
}

fn store_from_row(row: &AnyRow) -> Result<StoreRecord, sqlx::Error> {
    Ok(StoreRecord {
        id: Id::from_i64(row.try_get("id")?),
        org_id: Id::from_i64(row.try_get("org_id")?),
        handle: row.try_get::<Option<String>, _>("handle")?.unwrap_or_default(),
        org_kind: row.try_get("org_kind")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        store_type: row.try_get("store_type")?,
        logo: image(row, "logo_id", "logo_key")?,
        banner: image(row, "banner_id", "banner_key")?,
        return_days: row.try_get("return_days")?,
        return_policy: row.try_get("return_policy")?,
        score_centi: row.try_get("score_centi")?,
        status: row.try_get("status")?,
        suspended_reason: row.try_get("suspended_reason")?,
        suspended_at: row.try_get::<Option<i64>, _>("suspended_at")?.map(Timestamp),
        default_template_id: row.try_get::<Option<i64>, _>("default_template_id")?.map(Id::from_i64),
        created_at: Timestamp(row.try_get("created_at")?),
        updated_at: Timestamp(row.try_get("updated_at")?),
    })
}

/// A store's editable settings (images by media id).
pub struct StoreSettings<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub store_type: &'a str,
    pub logo_media_id: Option<Id>,
    pub banner_media_id: Option<Id>,
    pub return_days: i64,
    pub return_policy: &'a str,
}

pub async fn insert(tx: &mut Tx, org_id: Id, settings: &StoreSettings<'_>) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO stores (id, org_id, name, description, store_type, logo_media_id, banner_media_id, return_days,
                             return_policy, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(id.as_i64())
    .bind(org_id.as_i64())
    .bind(settings.name)
    .bind(settings.description)
    .bind(settings.store_type)
    .bind(settings.logo_media_id.map(Id::as_i64))
    .bind(settings.banner_media_id.map(Id::as_i64))
    .bind(settings.return_days)
    .bind(settings.return_policy)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(id)
}

pub async fn update(tx: &mut Tx, id: Id, settings: &StoreSettings<'_>) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query(
        "UPDATE stores SET name = $1, description = $2, store_type = $3, logo_media_id = $4, banner_media_id = $5,
                           return_days = $6, return_policy = $7, updated_at = $8
         WHERE id = $9",
    )
    .bind(settings.name)
    .bind(settings.description)
    .bind(settings.store_type)
    .bind(settings.logo_media_id.map(Id::as_i64))
    .bind(settings.banner_media_id.map(Id::as_i64))
    .bind(settings.return_days)
    .bind(settings.return_policy)
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Takes the store's row lock for the rest of the transaction (per-store caps and
/// "keep a default template" hold on PostgreSQL too).
pub async fn lock(tx: &mut Tx, id: Id) -> StoreResult<bool> {
    let result = sqlx::query("UPDATE stores SET updated_at = updated_at WHERE id = $1")
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn touch(tx: &mut Tx, id: Id) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query("UPDATE stores SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn set_default_template(tx: &mut Tx, id: Id, template_id: Id) -> StoreResult<()> {
    sqlx::query("UPDATE stores SET default_template_id = $1 WHERE id = $2")
        .bind(template_id.as_i64())
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Suspends (with the operator's reason) or reinstates; false when it already was.
pub async fn set_suspended(tx: &mut Tx, id: Id, reason: Option<&str>) -> StoreResult<bool> {
    let now = tx.now().micros();
    let result = sqlx::query(
        "UPDATE stores SET status = CASE WHEN $1 = 1 THEN 'suspended' ELSE 'open' END,
                           suspended_reason = $2,
                           suspended_at = CASE WHEN $1 = 1 THEN $3 ELSE NULL END,
                           updated_at = $3
         WHERE id = $4 AND status = CASE WHEN $1 = 1 THEN 'open' ELSE 'suspended' END",
    )
    .bind(i64::from(reason.is_some()))
    .bind(reason)
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn get(conn: &mut Conn, id: Id) -> StoreResult<Option<StoreRecord>> {
    let row = sqlx::query(select_stores!("WHERE s.id = $1 AND o.deleted_at IS NULL"))
        .bind(id.as_i64())
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(store_from_row).transpose()?)
}

pub async fn get_by_org(conn: &mut Conn, org_id: Id) -> StoreResult<Option<StoreRecord>> {
    let row = sqlx::query(select_stores!("WHERE s.org_id = $1 AND o.deleted_at IS NULL"))
        .bind(org_id.as_i64())
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(store_from_row).transpose()?)
}

/// Stores newest first, before `before`; `status` '' for any. `open_only` lists
/// what buyers may browse.
pub async fn list(conn: &mut Conn, status: &str, before: Option<Id>, limit: u32) -> StoreResult<Vec<StoreRecord>> {
    let rows = sqlx::query(select_stores!(
        "WHERE o.deleted_at IS NULL AND s.id < $1 AND ($2 = '' OR s.status = $2) ORDER BY s.id DESC LIMIT $3"
    ))
    .bind(before.map_or(i64::MAX, Id::as_i64))
    .bind(status)
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(store_from_row).collect::<Result<_, _>>()?)
}

/// Every store after `after` in id order (for `carmine export`).
pub async fn list_after(conn: &mut Conn, after: Id, limit: u32) -> StoreResult<Vec<StoreRecord>> {
    let rows = sqlx::query(select_stores!("WHERE o.deleted_at IS NULL AND s.id > $1 ORDER BY s.id LIMIT $2"))
        .bind(after.as_i64())
        .bind(i64::from(limit))
        .fetch_all(conn)
        .await?;
    Ok(rows.iter().map(store_from_row).collect::<Result<_, _>>()?)
}

// ---- shipping templates --------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateRecord {
    pub id: Id,
    pub store_id: Id,
    pub name: String,
    pub default_fee_minor: i64,
    pub free_over_minor: Option<i64>,
    /// (region, fee; `None`: not delivered there), by region.
    pub fees: Vec<(String, Option<i64>)>,
}

pub struct TemplateRow<'a> {
    pub name: &'a str,
    pub default_fee_minor: i64,
    pub free_over_minor: Option<i64>,
    pub fees: &'a [(String, Option<i64>)],
}

pub async fn insert_template(tx: &mut Tx, store_id: Id, row: &TemplateRow<'_>) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO shipping_templates (id, store_id, name, default_fee_minor, free_over_minor, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(id.as_i64())
    .bind(store_id.as_i64())
    .bind(row.name)
    .bind(row.default_fee_minor)
    .bind(row.free_over_minor)
    .bind(now)
    .execute(tx.conn())
    .await?;
    write_fees(tx, id, row.fees).await?;
    Ok(id)
}

pub async fn update_template(tx: &mut Tx, id: Id, row: &TemplateRow<'_>) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query(
        "UPDATE shipping_templates SET name = $1, default_fee_minor = $2, free_over_minor = $3, updated_at = $4
         WHERE id = $5",
    )
    .bind(row.name)
    .bind(row.default_fee_minor)
    .bind(row.free_over_minor)
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?;
    sqlx::query("DELETE FROM shipping_fees WHERE template_id = $1").bind(id.as_i64()).execute(tx.conn()).await?;
    write_fees(tx, id, row.fees).await
}

async fn write_fees(tx: &mut Tx, template_id: Id, fees: &[(String, Option<i64>)]) -> StoreResult<()> {
    for (region, fee) in fees {
        sqlx::query("INSERT INTO shipping_fees (template_id, region, fee_minor) VALUES ($1, $2, $3)")
            .bind(template_id.as_i64())
            .bind(region.as_str())
            .bind(*fee)
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

pub async fn delete_template(tx: &mut Tx, id: Id) -> StoreResult<()> {
    sqlx::query("DELETE FROM shipping_fees WHERE template_id = $1").bind(id.as_i64()).execute(tx.conn()).await?;
    sqlx::query("DELETE FROM shipping_templates WHERE id = $1").bind(id.as_i64()).execute(tx.conn()).await?;
    Ok(())
}

/// A store's templates with their fees, in creation order (bounded by the per-store cap).
pub async fn templates(conn: &mut Conn, store_id: Id) -> StoreResult<Vec<TemplateRecord>> {
    let rows = sqlx::query(
        "SELECT id, store_id, name, default_fee_minor, free_over_minor FROM shipping_templates
         WHERE store_id = $1 ORDER BY id LIMIT 100",
    )
    .bind(store_id.as_i64())
    .fetch_all(&mut *conn)
    .await?;
    let mut templates = rows
        .iter()
        .map(|row| {
            Ok(TemplateRecord {
                id: Id::from_i64(row.try_get("id")?),
                store_id: Id::from_i64(row.try_get("store_id")?),
                name: row.try_get("name")?,
                default_fee_minor: row.try_get("default_fee_minor")?,
                free_over_minor: row.try_get("free_over_minor")?,
                fees: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let fees = sqlx::query(
        "SELECT f.template_id, f.region, f.fee_minor FROM shipping_fees f
         JOIN shipping_templates t ON t.id = f.template_id
         WHERE t.store_id = $1 ORDER BY f.template_id, f.region",
    )
    .bind(store_id.as_i64())
    .fetch_all(conn)
    .await?;
    for row in &fees {
        let template_id = Id::from_i64(row.try_get("template_id")?);
        if let Some(template) = templates.iter_mut().find(|t| t.id == template_id) {
            template.fees.push((row.try_get("region")?, row.try_get("fee_minor")?));
        }
    }
    Ok(templates)
}

// ---- warehouses ----------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WarehouseRecord {
    pub id: Id,
    pub store_id: Id,
    pub name: String,
    pub priority: i64,
}

pub async fn insert_warehouse(tx: &mut Tx, store_id: Id, name: &str, priority: i64) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query("INSERT INTO warehouses (id, store_id, name, priority, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id.as_i64())
        .bind(store_id.as_i64())
        .bind(name)
        .bind(priority)
        .bind(now)
        .execute(tx.conn())
        .await?;
    Ok(id)
}

pub async fn rename_warehouse(tx: &mut Tx, id: Id, name: &str) -> StoreResult<()> {
    sqlx::query("UPDATE warehouses SET name = $1 WHERE id = $2")
        .bind(name)
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Puts a store's warehouses in the order of `ids` (priorities 1, 2, …): `ids` are
/// the store's warehouses, each once.
pub async fn order_warehouses(tx: &mut Tx, store_id: Id, ids: &[Id]) -> StoreResult<()> {
    // Out of the way first: (store, priority) is unique after every statement.
    sqlx::query("UPDATE warehouses SET priority = -priority WHERE store_id = $1")
        .bind(store_id.as_i64())
        .execute(tx.conn())
        .await?;
    for (n, id) in ids.iter().enumerate() {
        sqlx::query("UPDATE warehouses SET priority = $1 WHERE id = $2 AND store_id = $3")
            .bind(n as i64 + 1)
            .bind(id.as_i64())
            .bind(store_id.as_i64())
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// Units (on hand, reserved) a warehouse holds over every variant.
pub async fn warehouse_units(conn: &mut Conn, id: Id) -> StoreResult<(i64, i64)> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(on_hand), 0) AS BIGINT) AS on_hand, \
         CAST(COALESCE(SUM(reserved), 0) AS BIGINT) AS reserved FROM stock WHERE warehouse_id = $1",
    )
    .bind(id.as_i64())
    .fetch_one(conn)
    .await?;
    Ok((row.try_get("on_hand")?, row.try_get("reserved")?))
}

/// Deletes an empty warehouse with its stock rows (all at zero).
pub async fn delete_warehouse(tx: &mut Tx, id: Id) -> StoreResult<()> {
    sqlx::query("DELETE FROM stock WHERE warehouse_id = $1").bind(id.as_i64()).execute(tx.conn()).await?;
    sqlx::query("DELETE FROM warehouses WHERE id = $1").bind(id.as_i64()).execute(tx.conn()).await?;
    Ok(())
}

/// A store's warehouses in the order checkout tries them.
pub async fn warehouses(conn: &mut Conn, store_id: Id) -> StoreResult<Vec<WarehouseRecord>> {
    let rows = sqlx::query(
        "SELECT id, store_id, name, priority FROM warehouses WHERE store_id = $1 ORDER BY priority, id LIMIT 100",
    )
    .bind(store_id.as_i64())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(WarehouseRecord {
                id: Id::from_i64(row.try_get("id")?),
                store_id: Id::from_i64(row.try_get("store_id")?),
                name: row.try_get("name")?,
                priority: row.try_get("priority")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}
