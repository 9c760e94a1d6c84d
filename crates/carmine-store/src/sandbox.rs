//! The sandbox payment provider's own books: the charges, refunds and payouts it
//! was asked for. It stands in for a service outside Carmine, so only the sandbox
//! adapter in carmine-ledger touches these tables — never the ledger itself.

use carmine_core::{Id, Timestamp};
use sqlx::Row;

use crate::{Conn, StoreResult, Tx};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChargeRecord {
    pub reference: String,
    pub payment_id: Id,
    pub amount: i64,
    pub currency: String,
    pub method: String,
    pub status: String,
    pub refunded: i64,
    pub return_url: String,
    pub created_at: Timestamp,
}

pub struct NewCharge<'a> {
    pub reference: &'a str,
    pub payment_id: Id,
    pub amount: i64,
    pub currency: &'a str,
    pub method: &'a str,
    pub status: &'a str,
    pub return_url: &'a str,
}

/// Records a charge; the same payment asked twice keeps its first charge (false).
pub async fn insert_charge(tx: &mut Tx, new: &NewCharge<'_>) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "INSERT INTO sandbox_charges (ref, payment_id, amount, currency, method, status, return_url, created_at,
                                      updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $8, $7, $7) ON CONFLICT (payment_id) DO NOTHING",
    )
    .bind(new.reference)
    .bind(new.payment_id.as_i64())
    .bind(new.amount)
    .bind(new.currency)
    .bind(new.method)
    .bind(new.status)
    .bind(now)
    .bind(new.return_url)
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

const CHARGE_COLUMNS: &str = "ref, payment_id, amount, currency, method, status, refunded, return_url, created_at";

fn charge(row: &sqlx::any::AnyRow) -> StoreResult<ChargeRecord> {
    Ok(ChargeRecord {
        reference: row.try_get("ref")?,
        payment_id: Id::from_i64(row.try_get("payment_id")?),
        amount: row.try_get("amount")?,
        currency: row.try_get("currency")?,
        method: row.try_get("method")?,
        status: row.try_get("status")?,
        refunded: row.try_get("refunded")?,
        return_url: row.try_get("return_url")?,
        created_at: Timestamp(row.try_get("created_at")?),
    })
}

pub async fn charge_for_payment(conn: &mut Conn, payment_id: Id) -> StoreResult<Option<ChargeRecord>> {
    let row =
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {CHARGE_COLUMNS} FROM sandbox_charges WHERE payment_id = $1")))
            .bind(payment_id.as_i64())
            .fetch_optional(conn)
            .await?;
    row.as_ref().map(charge).transpose()
}

pub async fn get_charge(conn: &mut Conn, reference: &str) -> StoreResult<Option<ChargeRecord>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {CHARGE_COLUMNS} FROM sandbox_charges WHERE ref = $1")))
        .bind(reference)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(charge).transpose()
}

/// Moves a charge from `from` to `to`; false if it was elsewhere.
pub async fn move_charge(tx: &mut Tx, reference: &str, from: &str, to: &str) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query("UPDATE sandbox_charges SET status = $1, updated_at = $2 WHERE ref = $3 AND status = $4")
        .bind(to)
        .bind(now)
        .bind(reference)
        .bind(from)
        .execute(tx.conn())
        .await?
        .rows_affected()
        == 1)
}

pub async fn add_charge_refund(tx: &mut Tx, reference: &str, amount: i64) -> StoreResult<bool> {
    Ok(sqlx::query(
        "UPDATE sandbox_charges SET refunded = refunded + $1 WHERE ref = $2 AND status = 'succeeded'
           AND refunded + $1 <= amount",
    )
    .bind(amount)
    .bind(reference)
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Records a refund or payout the sandbox was asked for (the caller looked first
/// with [`get_transfer`]; a concurrent twin loses the insert and reads the winner).
pub async fn insert_transfer(
    tx: &mut Tx,
    kind: &str,
    request_id: Id,
    reference: &str,
    amount: i64,
    currency: &str,
    status: &str,
) -> StoreResult<(String, String)> {
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO sandbox_transfers (ref, kind, request_id, amount, currency, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (kind, request_id) DO NOTHING",
    )
    .bind(reference)
    .bind(kind)
    .bind(request_id.as_i64())
    .bind(amount)
    .bind(currency)
    .bind(status)
    .bind(now)
    .execute(tx.conn())
    .await?;
    let row = sqlx::query("SELECT ref, status FROM sandbox_transfers WHERE kind = $1 AND request_id = $2")
        .bind(kind)
        .bind(request_id.as_i64())
        .fetch_one(tx.conn())
        .await?;
    Ok((row.try_get("ref")?, row.try_get("status")?))
}

pub async fn get_transfer(conn: &mut Conn, kind: &str, request_id: Id) -> StoreResult<Option<(String, String)>> {
    let row = sqlx::query("SELECT ref, status FROM sandbox_transfers WHERE kind = $1 AND request_id = $2")
        .bind(kind)
        .bind(request_id.as_i64())
        .fetch_optional(conn)
        .await?;
    row.map(|row| Ok((row.try_get("ref")?, row.try_get("status")?))).transpose()
}
