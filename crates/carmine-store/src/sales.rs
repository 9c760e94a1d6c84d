//! Limited-quantity sale prices' rows (carmine-orders owns the rules): a variant's
//! sale, the units sold in all and per member, taken and given back by conditional
//! updates so neither the sale's quantity nor a member's limit is ever exceeded.

use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, StoreResult, Tx};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaleRecord {
    pub id: Id,
    pub sku_id: Id,
    pub store_id: Id,
    pub price_minor: i64,
    pub quantity: i64,
    pub sold: i64,
    pub per_member_limit: i64,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub ended_at: Option<Timestamp>,
}

impl SaleRecord {
    /// On at `now`, with units left.
    pub fn live(&self, now: Timestamp) -> bool {
        self.ended_at.is_none() && self.starts_at <= now && now < self.ends_at && self.sold < self.quantity
    }
}

pub struct SaleRow {
    pub sku_id: Id,
    pub store_id: Id,
    pub price_minor: i64,
    pub quantity: i64,
    pub per_member_limit: i64,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
}

fn sale(r: &AnyRow) -> Result<SaleRecord, sqlx::Error> {
    Ok(SaleRecord {
        id: Id::from_i64(r.try_get("id")?),
        sku_id: Id::from_i64(r.try_get("sku_id")?),
        store_id: Id::from_i64(r.try_get("store_id")?),
        price_minor: r.try_get("price_minor")?,
        quantity: r.try_get("quantity")?,
        sold: r.try_get("sold")?,
        per_member_limit: r.try_get("per_member_limit")?,
        starts_at: Timestamp(r.try_get("starts_at")?),
        ends_at: Timestamp(r.try_get("ends_at")?),
        ended_at: r.try_get::<Option<i64>, _>("ended_at")?.map(Timestamp),
    })
}

pub async fn insert(tx: &mut Tx, row: &SaleRow, created_by: Id) -> StoreResult<Id> {
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO sale_prices (id, sku_id, store_id, price_minor, quantity, per_member_limit, starts_at, ends_at,
                                  created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id.as_i64())
    .bind(row.sku_id.as_i64())
    .bind(row.store_id.as_i64())
    .bind(row.price_minor)
    .bind(row.quantity)
    .bind(row.per_member_limit)
    .bind(row.starts_at.micros())
    .bind(row.ends_at.micros())
    .bind(created_by.as_i64())
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(id)
}

pub async fn get(conn: &mut Conn, id: Id) -> StoreResult<Option<SaleRecord>> {
    let row = sqlx::query(
        "SELECT id, sku_id, store_id, price_minor, quantity, sold, per_member_limit, starts_at, ends_at, ended_at
         FROM sale_prices WHERE id = $1",
    )
    .bind(id.as_i64())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(sale).transpose().map_err(Into::into)
}

/// A variant's sales not over by `now` (running or to come), the soonest first.
pub async fn for_sku(conn: &mut Conn, sku_id: Id, now: Timestamp) -> StoreResult<Vec<SaleRecord>> {
    let rows = sqlx::query(
        "SELECT id, sku_id, store_id, price_minor, quantity, sold, per_member_limit, starts_at, ends_at, ended_at
         FROM sale_prices WHERE sku_id = $1 AND ends_at > $2 AND ended_at IS NULL ORDER BY starts_at, id LIMIT 20",
    )
    .bind(sku_id.as_i64())
    .bind(now.micros())
    .fetch_all(conn)
    .await?;
    rows.iter().map(sale).collect::<Result<_, sqlx::Error>>().map_err(Into::into)
}

/// Ends a sale early; false if it had ended.
pub async fn end(tx: &mut Tx, id: Id) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query("UPDATE sale_prices SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL")
        .bind(now)
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?
        .rows_affected()
        == 1)
}

/// Units of a sale a member holds.
pub async fn member_units(conn: &mut Conn, sale_id: Id, user_id: Id) -> StoreResult<i64> {
    let row = sqlx::query("SELECT units FROM sale_units WHERE sale_id = $1 AND user_id = $2")
        .bind(sale_id.as_i64())
        .bind(user_id.as_i64())
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(row) => row.try_get("units")?,
        None => 0,
    })
}

/// Takes `units` of a live sale for a member: within the sale's quantity and the
/// member's limit, or not at all (false; nothing written).
pub async fn take(tx: &mut Tx, sale_id: Id, user_id: Id, units: i64) -> StoreResult<bool> {
    let now = tx.now().micros();
    let counted = sqlx::query(
        "UPDATE sale_prices SET sold = sold + $1
         WHERE id = $2 AND ended_at IS NULL AND starts_at <= $3 AND ends_at > $3 AND sold + $1 <= quantity",
    )
    .bind(units)
    .bind(sale_id.as_i64())
    .bind(now)
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1;
    if !counted {
        return Ok(false);
    }
    let held = sqlx::query(
        "INSERT INTO sale_units (sale_id, user_id, units)
         SELECT $1, $2, $3 WHERE $3 <= (SELECT per_member_limit FROM sale_prices WHERE id = $1)
         ON CONFLICT (sale_id, user_id) DO UPDATE SET units = sale_units.units + $3
         WHERE sale_units.units + $3 <= (SELECT per_member_limit FROM sale_prices WHERE id = $1)",
    )
    .bind(sale_id.as_i64())
    .bind(user_id.as_i64())
    .bind(units)
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1;
    if !held {
        sqlx::query("UPDATE sale_prices SET sold = sold - $1 WHERE id = $2")
            .bind(units)
            .bind(sale_id.as_i64())
            .execute(tx.conn())
            .await?;
    }
    Ok(held)
}

/// Gives back units a cancelled order held (whatever the sale's window now).
pub async fn give_back(tx: &mut Tx, sale_id: Id, user_id: Id, units: i64) -> StoreResult<()> {
    sqlx::query("UPDATE sale_prices SET sold = sold - $1 WHERE id = $2 AND sold >= $1")
        .bind(units)
        .bind(sale_id.as_i64())
        .execute(tx.conn())
        .await?;
    sqlx::query("UPDATE sale_units SET units = units - $1 WHERE sale_id = $2 AND user_id = $3 AND units >= $1")
        .bind(units)
        .bind(sale_id.as_i64())
        .bind(user_id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(())
}
