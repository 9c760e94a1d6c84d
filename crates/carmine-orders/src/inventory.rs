//! Stock for orders: units reserved from a store's warehouses in their priority
//! order, and released again. Every change is a conditional update of one `stock`
//! row (`carmine_store::orders::reserve` / `release`) backed by its `CHECK`s, so no
//! interleaving of checkouts, payments, expiries and cancellations can reserve a
//! unit twice or leave `reserved` above `on_hand`.
//!
//! Lock order: a transaction that changes stock first locks the products involved
//! (ascending id), as the merchant's stock editor does, then their stock rows; so
//! concurrent writers on PostgreSQL queue instead of deadlocking.

use carmine_core::{Id, Result};
use carmine_store::orders as rows;
use carmine_store::{Tx, products};

/// Locks products for the rest of the transaction, in ascending id order.
pub(crate) async fn lock_products(tx: &mut Tx, product_ids: &[Id]) -> Result<Vec<Id>> {
    let mut ids = product_ids.to_vec();
    ids.sort();
    ids.dedup();
    for id in &ids {
        products::lock(tx, *id).await?;
    }
    Ok(ids)
}

/// Reserves `quantity` units of a variant: all from the first warehouse (by
/// priority) that has them, else a split over warehouses in that order. `None`
/// (nothing written) when fewer units are free than asked.
pub(crate) async fn reserve(tx: &mut Tx, sku_id: Id, quantity: i64) -> Result<Option<Vec<(Id, i64)>>> {
    let stock = rows::sku_stock(tx, sku_id).await?;
    let free = |s: &rows::WarehouseStock| (s.on_hand - s.reserved).max(0);
    if let Some(whole) = stock.iter().find(|s| free(s) >= quantity) {
        return Ok(rows::reserve(tx, sku_id, whole.warehouse_id, quantity)
            .await?
            .then(|| vec![(whole.warehouse_id, quantity)]));
    }
    if stock.iter().map(free).sum::<i64>() < quantity {
        return Ok(None);
    }
    let mut taken = Vec::new();
    let mut left = quantity;
    for row in &stock {
        let take = free(row).min(left);
        if take == 0 {
            continue;
        }
        if !rows::reserve(tx, sku_id, row.warehouse_id, take).await? {
            // Raced: give back what this call took and report a shortage.
            for (warehouse_id, units) in &taken {
                rows::release(tx, sku_id, *warehouse_id, *units).await?;
            }
            return Ok(None);
        }
        taken.push((row.warehouse_id, take));
        left -= take;
        if left == 0 {
            break;
        }
    }
    Ok(Some(taken))
}

/// Releases every unit an order's lines hold (locking its products first) and
/// rewrites their listings.
pub(crate) async fn release_order(tx: &mut Tx, order_id: Id) -> Result<()> {
    let lines = rows::lines(tx.conn(), &[order_id]).await?;
    let product_ids: Vec<Id> = lines.iter().map(|l| l.product_id).collect();
    lock_products(tx, &product_ids).await?;
    for (_, sku_id, warehouse_id, quantity) in rows::order_stock(tx, order_id).await? {
        if !rows::release(tx, sku_id, warehouse_id, quantity).await? {
            return Err(carmine_core::Error::internal(format!(
                "order {order_id} holds {quantity} of {sku_id} in {warehouse_id}, but fewer are reserved"
            )));
        }
    }
    refresh(tx, &product_ids).await
}

/// Rewrites the products' listing columns (price range, units free).
pub(crate) async fn refresh(tx: &mut Tx, product_ids: &[Id]) -> Result<()> {
    let mut ids = product_ids.to_vec();
    ids.sort();
    ids.dedup();
    for id in ids {
        products::refresh_listing(tx, id).await?;
    }
    Ok(())
}

/// The units an order holds leave their warehouses (off `on_hand` and `reserved`),
/// products locked first, and their listings are rewritten.
pub(crate) async fn ship_order(tx: &mut Tx, order_id: Id) -> Result<()> {
    let lines = rows::lines(tx.conn(), &[order_id]).await?;
    let product_ids: Vec<Id> = lines.iter().map(|l| l.product_id).collect();
    lock_products(tx, &product_ids).await?;
    for (_, sku_id, warehouse_id, quantity) in rows::order_stock(tx, order_id).await? {
        if !carmine_store::fulfilment::ship_units(tx, sku_id, warehouse_id, quantity).await? {
            return Err(carmine_core::Error::internal(format!(
                "order {order_id} ships {quantity} of {sku_id} from {warehouse_id}, but fewer are reserved"
            )));
        }
    }
    refresh(tx, &product_ids).await
}
