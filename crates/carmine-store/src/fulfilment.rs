//! Fulfilment and settlement rows (carmine-orders owns the rules, ADR 0026): shipping
//! an order (its units leave the warehouse), the carrier's tracking events, receipt
//! (by the buyer, or when `receive_by` passes), completion, and settlement — one
//! row per settled order saying where its escrow went, and one per affiliate line.
//! Every status move is a conditional update from the status it leaves.

use carmine_core::{Id, Timestamp};
use sqlx::Row;

use crate::{Conn, StoreResult, Tx};

fn ids(rows: &[sqlx::any::AnyRow]) -> StoreResult<Vec<Id>> {
    rows.iter().map(|r| Ok(Id::from_i64(r.try_get("id")?))).collect::<Result<_, sqlx::Error>>().map_err(Into::into)
}

/// Ships a paid order: `awaiting_shipment → shipped`; false if it was not awaiting
/// shipment.
pub async fn mark_shipped(
    tx: &mut Tx,
    order_id: Id,
    carrier: &str,
    tracking_no: &str,
    receive_by: Timestamp,
) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "UPDATE orders SET status = 'shipped', carrier = $1, tracking_no = $2, shipped_at = $3, receive_by = $4,
                           updated_at = $3
         WHERE id = $5 AND status = 'awaiting_shipment'",
    )
    .bind(carrier)
    .bind(tracking_no)
    .bind(now)
    .bind(receive_by.micros())
    .bind(order_id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Units leave a warehouse: off `on_hand` and `reserved` together; false if fewer
/// were reserved.
pub async fn ship_units(tx: &mut Tx, sku_id: Id, warehouse_id: Id, quantity: i64) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "UPDATE stock SET on_hand = on_hand - $1, reserved = reserved - $1, updated_at = $2
         WHERE sku_id = $3 AND warehouse_id = $4 AND reserved >= $1",
    )
    .bind(quantity)
    .bind(now)
    .bind(sku_id.as_i64())
    .bind(warehouse_id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Moves a shipped order's deadline for receipt (an extension, a failed delivery).
/// `once` refuses a second extension; false when nothing changed.
pub async fn set_receive_by(
    tx: &mut Tx,
    order_id: Id,
    receive_by: Timestamp,
    extension: bool,
    delivery_failed: bool,
) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "UPDATE orders SET receive_by = $1, receipt_extended = receipt_extended + $2,
                           delivery_failed = CASE WHEN $3 = 1 THEN 1 ELSE delivery_failed END, updated_at = $4
         WHERE id = $5 AND status = 'shipped' AND ($2 = 0 OR receipt_extended = 0)",
    )
    .bind(receive_by.micros())
    .bind(i64::from(extension))
    .bind(i64::from(delivery_failed))
    .bind(now)
    .bind(order_id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// `shipped → received`, by the buyer or automatically; false if not shipped.
pub async fn mark_received(tx: &mut Tx, order_id: Id, by: &str) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "UPDATE orders SET status = 'received', received_at = $1, received_by = $2, updated_at = $1
         WHERE id = $3 AND status = 'shipped'",
    )
    .bind(now)
    .bind(by)
    .bind(order_id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// `received → completed`, to settle after `settle_after`; false if not received.
pub async fn mark_completed(tx: &mut Tx, order_id: Id, settle_after: Timestamp) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "UPDATE orders SET status = 'completed', completed_at = $1, settle_after = $2, updated_at = $1
         WHERE id = $3 AND status = 'received'",
    )
    .bind(now)
    .bind(settle_after.micros())
    .bind(order_id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// `completed → settled`; false if not completed (settled by another run).
pub async fn mark_settled(tx: &mut Tx, order_id: Id) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "UPDATE orders SET status = 'settled', settled_at = $1, updated_at = $1 WHERE id = $2 AND status = 'completed'",
    )
    .bind(now)
    .bind(order_id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Shipped orders whose time for receipt has passed, oldest first.
pub async fn receipt_due(conn: &mut Conn, now: Timestamp, limit: u32) -> StoreResult<Vec<Id>> {
    let rows = sqlx::query(
        "SELECT id FROM orders WHERE status = 'shipped' AND receive_by <= $1 ORDER BY receive_by, id LIMIT $2",
    )
    .bind(now.micros())
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    ids(&rows)
}

/// Shipped orders not yet delivered (or failed), to ask the carrier about.
pub async fn in_transit(conn: &mut Conn, limit: u32) -> StoreResult<Vec<Id>> {
    let rows = sqlx::query(
        "SELECT o.id FROM orders o
         WHERE o.status = 'shipped' AND o.delivery_failed = 0
           AND NOT EXISTS (SELECT 1 FROM shipment_events e WHERE e.order_id = o.id AND e.code = 'delivered')
         ORDER BY o.shipped_at, o.id LIMIT $1",
    )
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    ids(&rows)
}

/// Completed orders whose settlement delay has passed and that no after-sale holds
/// back (a rejected request holds it while it may still be escalated), oldest first.
pub async fn settlement_due(conn: &mut Conn, now: Timestamp, limit: u32) -> StoreResult<Vec<Id>> {
    let rows = sqlx::query(
        "SELECT o.id FROM orders o
         WHERE o.status = 'completed' AND o.settle_after <= $1
           AND NOT EXISTS (SELECT 1 FROM after_sales a WHERE a.order_id = o.id
                           AND a.status IN ('requested', 'awaiting_return', 'returned', 'rejected', 'arbitration'))
         ORDER BY o.settle_after, o.id LIMIT $2",
    )
    .bind(now.micros())
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    ids(&rows)
}

// ---- Tracking ------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShipmentEvent {
    pub code: String,
    pub location: String,
    pub happened_at: Timestamp,
}

/// Records a tracking event once; false if it was known.
pub async fn insert_event(tx: &mut Tx, order_id: Id, event: &ShipmentEvent) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "INSERT INTO shipment_events (order_id, code, location, happened_at, recorded_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (order_id, code) DO NOTHING",
    )
    .bind(order_id.as_i64())
    .bind(&event.code)
    .bind(&event.location)
    .bind(event.happened_at.micros())
    .bind(now)
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// An order's tracking events, oldest first.
pub async fn events(conn: &mut Conn, order_id: Id) -> StoreResult<Vec<ShipmentEvent>> {
    let rows = sqlx::query(
        "SELECT code, location, happened_at FROM shipment_events WHERE order_id = $1 ORDER BY happened_at, code LIMIT 50",
    )
    .bind(order_id.as_i64())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ShipmentEvent {
                code: r.try_get("code")?,
                location: r.try_get("location")?,
                happened_at: Timestamp(r.try_get("happened_at")?),
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

// ---- Settlement ----------------------------------------------------------------

/// Where one order's escrow went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettlementRecord {
    pub order_id: Id,
    pub store_id: Id,
    pub currency: String,
    pub escrow_minor: i64,
    pub subsidy_minor: i64,
    pub fee_minor: i64,
    pub commission_minor: i64,
    pub commission_free_minor: i64,
    pub affiliate_minor: i64,
    pub merchant_minor: i64,
    pub netted_minor: i64,
    pub clawed_back_minor: i64,
    pub settled_at: Timestamp,
}

pub async fn insert_settlement(tx: &mut Tx, s: &SettlementRecord) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO order_settlements (order_id, store_id, currency, escrow_minor, subsidy_minor, fee_minor,
                                        commission_minor, commission_free_minor, affiliate_minor, merchant_minor,
                                        netted_minor, settled_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(s.order_id.as_i64())
    .bind(s.store_id.as_i64())
    .bind(&s.currency)
    .bind(s.escrow_minor)
    .bind(s.subsidy_minor)
    .bind(s.fee_minor)
    .bind(s.commission_minor)
    .bind(s.commission_free_minor)
    .bind(s.affiliate_minor)
    .bind(s.merchant_minor)
    .bind(s.netted_minor)
    .bind(s.settled_at.micros())
    .execute(tx.conn())
    .await?;
    Ok(())
}

macro_rules! select_settlements {
    ($($rest:literal)*) => {
        concat!(
            "SELECT order_id, store_id, currency, escrow_minor, subsidy_minor, fee_minor, commission_minor,
                    commission_free_minor, affiliate_minor, merchant_minor, netted_minor, clawed_back_minor, settled_at
             FROM order_settlements ",
            $($rest),*
        )
    };
}

fn settlement(r: &sqlx::any::AnyRow) -> Result<SettlementRecord, sqlx::Error> {
    Ok(SettlementRecord {
        order_id: Id::from_i64(r.try_get("order_id")?),
        store_id: Id::from_i64(r.try_get("store_id")?),
        currency: r.try_get("currency")?,
        escrow_minor: r.try_get("escrow_minor")?,
        subsidy_minor: r.try_get("subsidy_minor")?,
        fee_minor: r.try_get("fee_minor")?,
        commission_minor: r.try_get("commission_minor")?,
        commission_free_minor: r.try_get("commission_free_minor")?,
        affiliate_minor: r.try_get("affiliate_minor")?,
        merchant_minor: r.try_get("merchant_minor")?,
        netted_minor: r.try_get("netted_minor")?,
        clawed_back_minor: r.try_get("clawed_back_minor")?,
        settled_at: Timestamp(r.try_get("settled_at")?),
    })
}

pub async fn get_settlement(conn: &mut Conn, order_id: Id) -> StoreResult<Option<SettlementRecord>> {
    let row =
        sqlx::query(select_settlements!("WHERE order_id = $1")).bind(order_id.as_i64()).fetch_optional(conn).await?;
    row.as_ref().map(settlement).transpose().map_err(Into::into)
}

/// A store's settlements in `[from, to)`, newest first (`limit` at most).
pub async fn store_settlements(
    conn: &mut Conn,
    store_id: Id,
    from: Timestamp,
    to: Timestamp,
    limit: u32,
) -> StoreResult<Vec<SettlementRecord>> {
    let rows = sqlx::query(select_settlements!(
        "WHERE store_id = $1 AND settled_at >= $2 AND settled_at < $3 ORDER BY settled_at DESC, order_id DESC LIMIT $4"
    ))
    .bind(store_id.as_i64())
    .bind(from.micros())
    .bind(to.micros())
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter().map(settlement).collect::<Result<_, sqlx::Error>>().map_err(Into::into)
}

/// Takes `amount` of a store's commission-free allowance (`cap` in all); returns
/// how much it could take (0 once used up). Under the store's row lock.
pub async fn take_commission_free(tx: &mut Tx, store_id: Id, amount: i64, cap: i64) -> StoreResult<i64> {
    if amount <= 0 || cap <= 0 {
        return Ok(0);
    }
    let sql = if tx.backend() == crate::Backend::Postgres {
        "SELECT commission_free_used_minor FROM stores WHERE id = $1 FOR UPDATE"
    } else {
        "SELECT commission_free_used_minor FROM stores WHERE id = $1"
    };
    let row = sqlx::query(sql).bind(store_id.as_i64()).fetch_one(tx.conn()).await?;
    let used: i64 = row.try_get("commission_free_used_minor")?;
    let take = amount.min((cap - used).max(0));
    if take > 0 {
        sqlx::query("UPDATE stores SET commission_free_used_minor = commission_free_used_minor + $1 WHERE id = $2")
            .bind(take)
            .bind(store_id.as_i64())
            .execute(tx.conn())
            .await?;
    }
    Ok(take)
}

/// A creator's commission on one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AffiliateEarning {
    pub line_id: Id,
    pub order_id: Id,
    pub creator_id: Id,
    pub note_id: Id,
    pub amount_minor: i64,
    pub clawed_back_minor: i64,
    pub settled_at: Timestamp,
    /// What was sold (the line's title and option) and by which store.
    pub title: String,
    pub store_name: String,
}

/// Records a creator's commission on a line settled with `base` paid for it.
pub async fn insert_affiliate_earning(
    tx: &mut Tx,
    line_id: Id,
    order_id: Id,
    (creator_id, note_id): (Id, Id),
    amount: i64,
    base: i64,
) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO affiliate_earnings (line_id, order_id, creator_id, note_id, amount_minor, base_minor, settled_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(line_id.as_i64())
    .bind(order_id.as_i64())
    .bind(creator_id.as_i64())
    .bind(note_id.as_i64())
    .bind(amount)
    .bind(base)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A creator's affiliate earnings, newest sale first, before the line `before`.
pub async fn creator_earnings(
    conn: &mut Conn,
    creator_id: Id,
    before: Option<Id>,
    limit: u32,
) -> StoreResult<Vec<AffiliateEarning>> {
    let rows = sqlx::query(
        "SELECT e.line_id, e.order_id, e.creator_id, e.note_id, e.amount_minor, e.clawed_back_minor, e.settled_at,
                l.title, s.name AS store_name
         FROM affiliate_earnings e JOIN order_lines l ON l.id = e.line_id JOIN orders o ON o.id = e.order_id
              JOIN stores s ON s.id = o.store_id
         WHERE e.creator_id = $1 AND e.line_id < $2 ORDER BY e.line_id DESC LIMIT $3",
    )
    .bind(creator_id.as_i64())
    .bind(before.map_or(i64::MAX, Id::as_i64))
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AffiliateEarning {
                line_id: Id::from_i64(r.try_get("line_id")?),
                order_id: Id::from_i64(r.try_get("order_id")?),
                creator_id: Id::from_i64(r.try_get("creator_id")?),
                note_id: Id::from_i64(r.try_get("note_id")?),
                amount_minor: r.try_get("amount_minor")?,
                clawed_back_minor: r.try_get("clawed_back_minor")?,
                settled_at: Timestamp(r.try_get("settled_at")?),
                title: r.try_get("title")?,
                store_name: r.try_get("store_name")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// A creator's total affiliate commission, net of clawbacks.
pub async fn creator_earned(conn: &mut Conn, creator_id: Id) -> StoreResult<i64> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(amount_minor - clawed_back_minor), 0) AS BIGINT) AS earned FROM affiliate_earnings
         WHERE creator_id = $1",
    )
    .bind(creator_id.as_i64())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("earned")?)
}

/// What decides a store's timers: its type (cross-border stores wait longer for
/// receipt), its score and how many reviewed orders it rests on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreStanding {
    pub org_id: Id,
    pub store_type: String,
    pub score_centi: i64,
    pub rated_orders: i64,
}

pub async fn store_standing(conn: &mut Conn, store_id: Id) -> StoreResult<Option<StoreStanding>> {
    let row = sqlx::query("SELECT org_id, store_type, score_centi, rated_orders FROM stores WHERE id = $1")
        .bind(store_id.as_i64())
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        Ok(StoreStanding {
            org_id: Id::from_i64(r.try_get("org_id")?),
            store_type: r.try_get("store_type")?,
            score_centi: r.try_get("score_centi")?,
            rated_orders: r.try_get("rated_orders")?,
        })
    })
    .transpose()
    .map_err(|e: sqlx::Error| e.into())
}

/// Records what a line settled at: its base (paid less refunded then) and its part
/// of the order's commission.
pub async fn set_line_settled(tx: &mut Tx, line_id: Id, base: i64, commission: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE order_lines SET settled_base_minor = $1, settled_commission_minor = $2
         WHERE id = $3 AND settled_base_minor IS NULL",
    )
    .bind(base)
    .bind(commission)
    .bind(line_id.as_i64())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// What a line settled at: (base, commission); None before its order settled.
pub async fn line_settled(conn: &mut Conn, line_id: Id) -> StoreResult<Option<(i64, i64)>> {
    let row = sqlx::query(
        "SELECT settled_base_minor, settled_commission_minor FROM order_lines
         WHERE id = $1 AND settled_base_minor IS NOT NULL",
    )
    .bind(line_id.as_i64())
    .fetch_optional(conn)
    .await?;
    row.map(|r| Ok((r.try_get("settled_base_minor")?, r.try_get("settled_commission_minor")?)))
        .transpose()
        .map_err(|e: sqlx::Error| e.into())
}

/// The commission a line earned its creator: (creator, amount, base, clawed back).
pub async fn line_affiliate(conn: &mut Conn, line_id: Id) -> StoreResult<Option<(Id, i64, i64, i64)>> {
    let row = sqlx::query(
        "SELECT creator_id, amount_minor, base_minor, clawed_back_minor FROM affiliate_earnings WHERE line_id = $1",
    )
    .bind(line_id.as_i64())
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok((
            Id::from_i64(r.try_get("creator_id")?),
            r.try_get("amount_minor")?,
            r.try_get("base_minor")?,
            r.try_get("clawed_back_minor")?,
        ))
    })
    .transpose()
    .map_err(|e: sqlx::Error| e.into())
}

/// Counts `amount` of a line's affiliate commission as clawed back (within it).
pub async fn add_affiliate_clawed_back(tx: &mut Tx, line_id: Id, amount: i64) -> StoreResult<bool> {
    Ok(sqlx::query(
        "UPDATE affiliate_earnings SET clawed_back_minor = clawed_back_minor + $1
         WHERE line_id = $2 AND clawed_back_minor + $1 <= amount_minor",
    )
    .bind(amount)
    .bind(line_id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Counts `amount` refunded after settlement on an order's settlement (within what
/// it held).
pub async fn add_settlement_clawed_back(tx: &mut Tx, order_id: Id, amount: i64) -> StoreResult<bool> {
    Ok(sqlx::query(
        "UPDATE order_settlements SET clawed_back_minor = clawed_back_minor + $1
         WHERE order_id = $2 AND clawed_back_minor + $1 <= escrow_minor",
    )
    .bind(amount)
    .bind(order_id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Counts `amount` refunded on a line, only within what it paid.
pub async fn add_line_refunded(tx: &mut Tx, line_id: Id, amount: i64) -> StoreResult<bool> {
    Ok(sqlx::query(
        "UPDATE order_lines SET refunded_minor = refunded_minor + $1 WHERE id = $2 AND refunded_minor + $1 <= paid_minor",
    )
    .bind(amount)
    .bind(line_id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Returned units go back on hand in a warehouse.
pub async fn restock(tx: &mut Tx, sku_id: Id, warehouse_id: Id, quantity: i64) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query("UPDATE stock SET on_hand = on_hand + $1, updated_at = $2 WHERE sku_id = $3 AND warehouse_id = $4")
        .bind(quantity)
        .bind(now)
        .bind(sku_id.as_i64())
        .bind(warehouse_id.as_i64())
        .execute(tx.conn())
        .await?
        .rows_affected()
        == 1)
}
