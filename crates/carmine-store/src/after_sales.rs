//! After-sales rows (carmine-orders owns the rules, ADR 0026): a buyer's request
//! about one line of a received order, and its moves — each a conditional update from
//! the statuses it leaves, so of a merchant's answer and the timer exactly one wins.

use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, StoreResult, Tx};

/// Statuses in which a request is still open (it holds its order's settlement back).
pub const OPEN: [&str; 5] = ["requested", "awaiting_return", "returned", "rejected", "arbitration"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AfterSaleRecord {
    pub id: Id,
    pub order_id: Id,
    pub line_id: Id,
    pub store_id: Id,
    pub buyer_id: Id,
    pub kind: String,
    pub quantity: i64,
    pub amount_minor: i64,
    pub reason: String,
    pub status: String,
    pub due_at: Option<Timestamp>,
    pub merchant_note: Option<String>,
    pub return_carrier: Option<String>,
    pub return_tracking: Option<String>,
    pub restocked: bool,
    pub decided_by: Option<String>,
    pub operator_note: Option<String>,
    pub refund_id: Option<Id>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

pub struct NewAfterSale<'a> {
    pub id: Id,
    pub order_id: Id,
    pub line_id: Id,
    pub store_id: Id,
    pub buyer_id: Id,
    pub kind: &'a str,
    pub quantity: i64,
    pub amount_minor: i64,
    pub reason: &'a str,
    pub due_at: Timestamp,
}

pub async fn insert(tx: &mut Tx, new: &NewAfterSale<'_>) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO after_sales (id, order_id, line_id, store_id, buyer_id, kind, quantity, amount_minor, reason,
                                  status, due_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'requested', $10, $11, $11)",
    )
    .bind(new.id.as_i64())
    .bind(new.order_id.as_i64())
    .bind(new.line_id.as_i64())
    .bind(new.store_id.as_i64())
    .bind(new.buyer_id.as_i64())
    .bind(new.kind)
    .bind(new.quantity)
    .bind(new.amount_minor)
    .bind(new.reason)
    .bind(new.due_at.micros())
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(())
}

macro_rules! select_after_sales {
    ($($rest:literal)*) => {
        concat!(
            "SELECT id, order_id, line_id, store_id, buyer_id, kind, quantity, amount_minor, reason, status, due_at,
                    merchant_note, return_carrier, return_tracking, restocked, decided_by, operator_note, refund_id,
                    created_at, updated_at
             FROM after_sales ",
            $($rest),*
        )
    };
}

fn record(r: &AnyRow) -> Result<AfterSaleRecord, sqlx::Error> {
    Ok(AfterSaleRecord {
        id: Id::from_i64(r.try_get("id")?),
        order_id: Id::from_i64(r.try_get("order_id")?),
        line_id: Id::from_i64(r.try_get("line_id")?),
        store_id: Id::from_i64(r.try_get("store_id")?),
        buyer_id: Id::from_i64(r.try_get("buyer_id")?),
        kind: r.try_get("kind")?,
        quantity: r.try_get("quantity")?,
        amount_minor: r.try_get("amount_minor")?,
        reason: r.try_get("reason")?,
        status: r.try_get("status")?,
        due_at: r.try_get::<Option<i64>, _>("due_at")?.map(Timestamp),
        merchant_note: r.try_get("merchant_note")?,
        return_carrier: r.try_get("return_carrier")?,
        return_tracking: r.try_get("return_tracking")?,
        restocked: r.try_get::<i64, _>("restocked")? == 1,
        decided_by: r.try_get("decided_by")?,
        operator_note: r.try_get("operator_note")?,
        refund_id: r.try_get::<Option<i64>, _>("refund_id")?.map(Id::from_i64),
        created_at: Timestamp(r.try_get("created_at")?),
        updated_at: Timestamp(r.try_get("updated_at")?),
    })
}

fn records(rows: &[AnyRow]) -> StoreResult<Vec<AfterSaleRecord>> {
    rows.iter().map(record).collect::<Result<_, sqlx::Error>>().map_err(Into::into)
}

pub async fn get(conn: &mut Conn, id: Id) -> StoreResult<Option<AfterSaleRecord>> {
    let row = sqlx::query(select_after_sales!("WHERE id = $1")).bind(id.as_i64()).fetch_optional(conn).await?;
    row.as_ref().map(record).transpose().map_err(Into::into)
}

/// An order's requests, oldest first.
pub async fn of_order(conn: &mut Conn, order_id: Id) -> StoreResult<Vec<AfterSaleRecord>> {
    let rows = sqlx::query(select_after_sales!("WHERE order_id = $1 ORDER BY id LIMIT 200"))
        .bind(order_id.as_i64())
        .fetch_all(conn)
        .await?;
    records(&rows)
}

/// A store's requests (or the platform's arbitration queue with `store_id` None),
/// newest first, optionally in one status, before an id.
pub async fn list(
    conn: &mut Conn,
    store_id: Option<Id>,
    status: Option<&str>,
    before: Option<Id>,
    limit: u32,
) -> StoreResult<Vec<AfterSaleRecord>> {
    let rows = sqlx::query(select_after_sales!(
        "WHERE ($1 = 0 OR store_id = $1) AND ($2 = '' OR status = $2) AND id < $3 ORDER BY id DESC LIMIT $4"
    ))
    .bind(store_id.map_or(0, Id::as_i64))
    .bind(status.unwrap_or(""))
    .bind(before.map_or(i64::MAX, Id::as_i64))
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    records(&rows)
}

/// Units of a line already asked about in requests not cancelled, closed or refused
/// for good.
pub async fn units_claimed(conn: &mut Conn, line_id: Id) -> StoreResult<i64> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) AS units FROM after_sales
         WHERE line_id = $1 AND status IN ('requested', 'awaiting_return', 'returned', 'rejected', 'arbitration',
                                           'refunded')",
    )
    .bind(line_id.as_i64())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("units")?)
}

/// Requests whose timer has run out, oldest first.
pub async fn due(conn: &mut Conn, now: Timestamp, limit: u32) -> StoreResult<Vec<AfterSaleRecord>> {
    let rows = sqlx::query(select_after_sales!(
        "WHERE status IN ('requested', 'awaiting_return', 'returned', 'rejected') AND due_at <= $1
         ORDER BY due_at, id LIMIT $2"
    ))
    .bind(now.micros())
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    records(&rows)
}

/// What a move writes besides the status.
#[derive(Default)]
pub struct Move<'a> {
    /// The next timer, or none.
    pub due_at: Option<Timestamp>,
    pub decided_by: Option<&'a str>,
    pub merchant_note: Option<&'a str>,
    pub operator_note: Option<&'a str>,
    pub return_shipment: Option<(&'a str, &'a str)>,
    pub restocked: bool,
    pub refund_id: Option<Id>,
}

/// Moves a request from one of `from` (at most two) to `to`; false if it had left them.
pub async fn move_to(tx: &mut Tx, id: Id, from: &[&str], to: &str, m: &Move<'_>) -> StoreResult<bool> {
    let now = tx.now().micros();
    let from = |i: usize| from.get(i).copied().unwrap_or("");
    Ok(sqlx::query(
        "UPDATE after_sales SET status = $1, due_at = $2, decided_by = COALESCE($3, decided_by),
                merchant_note = COALESCE($4, merchant_note), operator_note = COALESCE($5, operator_note),
                return_carrier = COALESCE($6, return_carrier), return_tracking = COALESCE($7, return_tracking),
                restocked = CASE WHEN $8 = 1 THEN 1 ELSE restocked END, refund_id = COALESCE($9, refund_id),
                updated_at = $10
         WHERE id = $11 AND status IN ($12, $13)",
    )
    .bind(to)
    .bind(m.due_at.map(|t| t.micros()))
    .bind(m.decided_by)
    .bind(m.merchant_note)
    .bind(m.operator_note)
    .bind(m.return_shipment.map(|(carrier, _)| carrier))
    .bind(m.return_shipment.map(|(_, tracking)| tracking))
    .bind(i64::from(m.restocked))
    .bind(m.refund_id.map(Id::as_i64))
    .bind(now)
    .bind(id.as_i64())
    .bind(from(0))
    .bind(from(1))
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}
