//! Payments (top-ups through a provider), the webhook events providers delivered,
//! refunds, payout accounts, payouts and their batches. Status moves are
//! conditional `UPDATE`s from the states they may leave, so a replayed or late
//! webhook, a retry or a second node can never move money twice.

use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, StoreResult, Tx};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentRecord {
    pub id: Id,
    pub provider: String,
    pub provider_ref: Option<String>,
    pub purpose: String,
    pub payer_id: Id,
    pub account_id: Id,
    pub amount: i64,
    pub currency: String,
    pub method: String,
    pub status: String,
    pub decline_reason: Option<String>,
    pub refunded: i64,
    pub redirect_url: Option<String>,
    pub transaction_id: Option<Id>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

const PAYMENT_COLUMNS: &str =
    "id, provider, provider_ref, purpose, payer_id, account_id, amount, currency, method, status,
     decline_reason, refunded, redirect_url, transaction_id, created_at, updated_at";

fn payment(row: &AnyRow) -> StoreResult<PaymentRecord> {
    Ok(PaymentRecord {
        id: Id::from_i64(row.try_get("id")?),
        provider: row.try_get("provider")?,
        provider_ref: row.try_get("provider_ref")?,
        purpose: row.try_get("purpose")?,
        payer_id: Id::from_i64(row.try_get("payer_id")?),
        account_id: Id::from_i64(row.try_get("account_id")?),
        amount: row.try_get("amount")?,
        currency: row.try_get("currency")?,
        method: row.try_get("method")?,
        status: row.try_get("status")?,
        decline_reason: row.try_get("decline_reason")?,
        refunded: row.try_get("refunded")?,
        redirect_url: row.try_get("redirect_url")?,
        transaction_id: row.try_get::<Option<i64>, _>("transaction_id")?.map(Id::from_i64),
        created_at: Timestamp(row.try_get("created_at")?),
        updated_at: Timestamp(row.try_get("updated_at")?),
    })
}

pub struct NewPayment<'a> {
    pub id: Id,
    pub provider: &'a str,
    pub purpose: &'a str,
    pub payer_id: Id,
    pub account_id: Id,
    pub amount: i64,
    pub currency: &'a str,
    pub method: &'a str,
}

pub async fn insert_payment(tx: &mut Tx, new: &NewPayment<'_>) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO payments (id, provider, purpose, payer_id, account_id, amount, currency, method, status, created_at,
                               updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'created', $9, $9)",
    )
    .bind(new.id.as_i64())
    .bind(new.provider)
    .bind(new.purpose)
    .bind(new.payer_id.as_i64())
    .bind(new.account_id.as_i64())
    .bind(new.amount)
    .bind(new.currency)
    .bind(new.method)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn get_payment(conn: &mut Conn, id: Id) -> StoreResult<Option<PaymentRecord>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE id = $1")))
        .bind(id.as_i64())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(payment).transpose()
}

pub async fn payment_by_ref(conn: &mut Conn, provider: &str, provider_ref: &str) -> StoreResult<Option<PaymentRecord>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments WHERE provider = $1 AND provider_ref = $2"
    )))
    .bind(provider)
    .bind(provider_ref)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(payment).transpose()
}

/// A payer's payments, newest first, before `before`.
pub async fn payer_payments(
    conn: &mut Conn,
    payer_id: Id,
    before: Option<Id>,
    limit: u32,
) -> StoreResult<Vec<PaymentRecord>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments WHERE payer_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
    )))
    .bind(payer_id.as_i64())
    .bind(before.map_or(i64::MAX, Id::as_i64))
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter().map(payment).collect()
}

/// Payments still waiting on their provider, last touched before `before`.
pub async fn open_payments(conn: &mut Conn, before: Timestamp, limit: u32) -> StoreResult<Vec<PaymentRecord>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments
         WHERE status IN ('created', 'requires_action', 'pending') AND updated_at < $1 ORDER BY updated_at LIMIT $2"
    )))
    .bind(before.micros())
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter().map(payment).collect()
}

/// Records what the provider said when the charge was created (only once).
pub async fn set_provider_ref(tx: &mut Tx, id: Id, provider_ref: &str, redirect_url: Option<&str>) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query(
        "UPDATE payments SET provider_ref = $1, redirect_url = $2, updated_at = $3 WHERE id = $4 AND provider_ref IS NULL",
    )
    .bind(provider_ref)
    .bind(redirect_url)
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Moves a payment to `to` from one of the open states `from`. False: it had
/// already moved on (a replayed, late or out-of-order report).
pub async fn move_payment(
    tx: &mut Tx,
    id: Id,
    from: &[&str],
    to: &str,
    decline_reason: Option<&str>,
    transaction_id: Option<Id>,
) -> StoreResult<bool> {
    let now = tx.now().micros();
    let from = |i: usize| from.get(i).copied().unwrap_or("");
    Ok(sqlx::query(
        "UPDATE payments SET status = $1, decline_reason = COALESCE($2, decline_reason),
                transaction_id = COALESCE($3, transaction_id), updated_at = $4
         WHERE id = $5 AND status IN ($6, $7, $8)",
    )
    .bind(to)
    .bind(decline_reason)
    .bind(transaction_id.map(Id::as_i64))
    .bind(now)
    .bind(id.as_i64())
    .bind(from(0))
    .bind(from(1))
    .bind(from(2))
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Counts `amount` as refunded — only while the refunds stay within the payment.
pub async fn add_refunded(tx: &mut Tx, id: Id, amount: i64) -> StoreResult<bool> {
    Ok(sqlx::query(
        "UPDATE payments SET refunded = refunded + $1 WHERE id = $2 AND status = 'succeeded' AND refunded + $1 <= amount",
    )
    .bind(amount)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Remembers a delivered webhook event; false if it was seen before.
pub async fn record_webhook_event(tx: &mut Tx, provider: &str, event_id: &str, kind: &str) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "INSERT INTO payment_webhook_events (provider, event_id, kind, received_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (provider, event_id) DO NOTHING",
    )
    .bind(provider)
    .bind(event_id)
    .bind(kind)
    .bind(now)
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Forgets webhook events received before `before`; how many went.
pub async fn prune_webhook_events(tx: &mut Tx, before: Timestamp) -> StoreResult<u64> {
    Ok(sqlx::query("DELETE FROM payment_webhook_events WHERE received_at < $1")
        .bind(before.micros())
        .execute(tx.conn())
        .await?
        .rows_affected())
}

// ---- refunds ----

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundRecord {
    pub id: Id,
    pub payment_id: Id,
    pub amount: i64,
    pub currency: String,
    pub status: String,
    pub hold_id: Id,
    pub provider_ref: Option<String>,
    pub reason: String,
    pub created_at: Timestamp,
}

pub struct NewRefund<'a> {
    pub id: Id,
    pub payment_id: Id,
    pub amount: i64,
    pub currency: &'a str,
    pub hold_id: Id,
    pub reason: &'a str,
    pub requested_by: Id,
}

pub async fn insert_refund(tx: &mut Tx, new: &NewRefund<'_>) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO refunds (id, payment_id, amount, currency, status, hold_id, reason, requested_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8, $8)",
    )
    .bind(new.id.as_i64())
    .bind(new.payment_id.as_i64())
    .bind(new.amount)
    .bind(new.currency)
    .bind(new.hold_id.as_i64())
    .bind(new.reason)
    .bind(new.requested_by.as_i64())
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(())
}

fn refund(row: &AnyRow) -> StoreResult<RefundRecord> {
    Ok(RefundRecord {
        id: Id::from_i64(row.try_get("id")?),
        payment_id: Id::from_i64(row.try_get("payment_id")?),
        amount: row.try_get("amount")?,
        currency: row.try_get("currency")?,
        status: row.try_get("status")?,
        hold_id: Id::from_i64(row.try_get("hold_id")?),
        provider_ref: row.try_get("provider_ref")?,
        reason: row.try_get("reason")?,
        created_at: Timestamp(row.try_get("created_at")?),
    })
}

const REFUND_COLUMNS: &str = "id, payment_id, amount, currency, status, hold_id, provider_ref, reason, created_at";

pub async fn get_refund(conn: &mut Conn, id: Id) -> StoreResult<Option<RefundRecord>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {REFUND_COLUMNS} FROM refunds WHERE id = $1")))
        .bind(id.as_i64())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(refund).transpose()
}

pub async fn payment_refunds(conn: &mut Conn, payment_id: Id) -> StoreResult<Vec<RefundRecord>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE payment_id = $1 ORDER BY id"
    )))
    .bind(payment_id.as_i64())
    .fetch_all(conn)
    .await?;
    rows.iter().map(refund).collect()
}

pub async fn pending_refunds(conn: &mut Conn, before: Timestamp, limit: u32) -> StoreResult<Vec<RefundRecord>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE status = 'pending' AND updated_at < $1 ORDER BY id LIMIT $2"
    )))
    .bind(before.micros())
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter().map(refund).collect()
}

pub async fn finish_refund(tx: &mut Tx, id: Id, status: &str, provider_ref: Option<&str>) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "UPDATE refunds SET status = $1, provider_ref = COALESCE($2, provider_ref), updated_at = $3
         WHERE id = $4 AND status = 'pending'",
    )
    .bind(status)
    .bind(provider_ref)
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

// ---- payout accounts ----

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayoutAccountRecord {
    pub owner_kind: String,
    pub owner_id: Id,
    pub provider: String,
    pub holder_name: String,
    pub account_last4: String,
    pub account_token: String,
    pub updated_at: Timestamp,
}

pub async fn set_payout_account(tx: &mut Tx, record: &PayoutAccountRecord) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO payout_accounts (owner_kind, owner_id, provider, holder_name, account_last4, account_token,
                                      created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
         ON CONFLICT (owner_kind, owner_id) DO UPDATE SET provider = $3, holder_name = $4, account_last4 = $5,
                account_token = $6, updated_at = $7",
    )
    .bind(&record.owner_kind)
    .bind(record.owner_id.as_i64())
    .bind(&record.provider)
    .bind(&record.holder_name)
    .bind(&record.account_last4)
    .bind(&record.account_token)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Forgets a payout account (an erased member's bank details).
pub async fn delete_payout_account(tx: &mut Tx, owner_kind: &str, owner_id: Id) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM payout_accounts WHERE owner_kind = $1 AND owner_id = $2")
        .bind(owner_kind)
        .bind(owner_id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn payout_account(
    conn: &mut Conn,
    owner_kind: &str,
    owner_id: Id,
) -> StoreResult<Option<PayoutAccountRecord>> {
    let row = sqlx::query(
        "SELECT owner_kind, owner_id, provider, holder_name, account_last4, account_token, updated_at
         FROM payout_accounts WHERE owner_kind = $1 AND owner_id = $2",
    )
    .bind(owner_kind)
    .bind(owner_id.as_i64())
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(PayoutAccountRecord {
            owner_kind: row.try_get("owner_kind")?,
            owner_id: Id::from_i64(row.try_get("owner_id")?),
            provider: row.try_get("provider")?,
            holder_name: row.try_get("holder_name")?,
            account_last4: row.try_get("account_last4")?,
            account_token: row.try_get("account_token")?,
            updated_at: Timestamp(row.try_get("updated_at")?),
        })
    })
    .transpose()
}

// ---- payouts ----

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayoutRecord {
    pub id: Id,
    pub owner_kind: String,
    pub owner_id: Id,
    pub account_id: Id,
    pub amount: i64,
    pub currency: String,
    pub status: String,
    pub hold_id: Id,
    pub batch_id: Option<Id>,
    pub provider: String,
    pub provider_ref: Option<String>,
    pub destination: String,
    pub failure_reason: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

const PAYOUT_COLUMNS: &str =
    "id, owner_kind, owner_id, account_id, amount, currency, status, hold_id, batch_id, provider,
     provider_ref, destination, failure_reason, created_at, updated_at";

fn payout(row: &AnyRow) -> StoreResult<PayoutRecord> {
    Ok(PayoutRecord {
        id: Id::from_i64(row.try_get("id")?),
        owner_kind: row.try_get("owner_kind")?,
        owner_id: Id::from_i64(row.try_get("owner_id")?),
        account_id: Id::from_i64(row.try_get("account_id")?),
        amount: row.try_get("amount")?,
        currency: row.try_get("currency")?,
        status: row.try_get("status")?,
        hold_id: Id::from_i64(row.try_get("hold_id")?),
        batch_id: row.try_get::<Option<i64>, _>("batch_id")?.map(Id::from_i64),
        provider: row.try_get("provider")?,
        provider_ref: row.try_get("provider_ref")?,
        destination: row.try_get("destination")?,
        failure_reason: row.try_get("failure_reason")?,
        created_at: Timestamp(row.try_get("created_at")?),
        updated_at: Timestamp(row.try_get("updated_at")?),
    })
}

pub struct NewPayout<'a> {
    pub id: Id,
    pub owner_kind: &'a str,
    pub owner_id: Id,
    pub account_id: Id,
    pub amount: i64,
    pub currency: &'a str,
    pub hold_id: Id,
    pub provider: &'a str,
    pub destination: &'a str,
    pub requested_by: Id,
}

pub async fn insert_payout(tx: &mut Tx, new: &NewPayout<'_>) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO payouts (id, owner_kind, owner_id, account_id, amount, currency, status, hold_id, provider,
                              destination, requested_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'requested', $7, $8, $9, $10, $11, $11)",
    )
    .bind(new.id.as_i64())
    .bind(new.owner_kind)
    .bind(new.owner_id.as_i64())
    .bind(new.account_id.as_i64())
    .bind(new.amount)
    .bind(new.currency)
    .bind(new.hold_id.as_i64())
    .bind(new.provider)
    .bind(new.destination)
    .bind(new.requested_by.as_i64())
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn get_payout(conn: &mut Conn, id: Id) -> StoreResult<Option<PayoutRecord>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PAYOUT_COLUMNS} FROM payouts WHERE id = $1")))
        .bind(id.as_i64())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(payout).transpose()
}

/// One owner's payouts, newest first, before `before`.
pub async fn owner_payouts(
    conn: &mut Conn,
    owner_kind: &str,
    owner_id: Id,
    before: Option<Id>,
    limit: u32,
) -> StoreResult<Vec<PayoutRecord>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PAYOUT_COLUMNS} FROM payouts WHERE owner_kind = $1 AND owner_id = $2 AND id < $3 ORDER BY id DESC LIMIT $4"
    )))
    .bind(owner_kind)
    .bind(owner_id.as_i64())
    .bind(before.map_or(i64::MAX, Id::as_i64))
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter().map(payout).collect()
}

/// Payouts in one status, oldest first (a batch's candidates, or those to resume).
pub async fn payouts_in(conn: &mut Conn, status: &str, limit: i64) -> StoreResult<Vec<PayoutRecord>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PAYOUT_COLUMNS} FROM payouts WHERE status = $1 ORDER BY id LIMIT $2"
    )))
    .bind(status)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(payout).collect()
}

/// Every payout with its status (the operator's view), newest first.
pub async fn recent_payouts(conn: &mut Conn, limit: u32) -> StoreResult<Vec<PayoutRecord>> {
    let rows =
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PAYOUT_COLUMNS} FROM payouts ORDER BY id DESC LIMIT $1")))
            .bind(i64::from(limit))
            .fetch_all(conn)
            .await?;
    rows.iter().map(payout).collect()
}

/// Moves a payout from `from` to `to`; false if it was not in `from`.
pub async fn move_payout(
    tx: &mut Tx,
    id: Id,
    from: &str,
    to: &str,
    batch_id: Option<Id>,
    provider_ref: Option<&str>,
    failure_reason: Option<&str>,
) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "UPDATE payouts SET status = $1, batch_id = COALESCE($2, batch_id), provider_ref = COALESCE($3, provider_ref),
                failure_reason = COALESCE($4, failure_reason), updated_at = $5
         WHERE id = $6 AND status = $7",
    )
    .bind(to)
    .bind(batch_id.map(Id::as_i64))
    .bind(provider_ref)
    .bind(failure_reason)
    .bind(now)
    .bind(id.as_i64())
    .bind(from)
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

pub async fn payout_by_hold(conn: &mut Conn, hold_id: Id) -> StoreResult<Option<PayoutRecord>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PAYOUT_COLUMNS} FROM payouts WHERE hold_id = $1")))
        .bind(hold_id.as_i64())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(payout).transpose()
}

/// Sets a batch's item count and total once its payouts are chosen.
pub async fn set_batch_totals(tx: &mut Tx, id: Id, items: i64, total: i64) -> StoreResult<()> {
    sqlx::query("UPDATE payout_batches SET items = $1, total = $2 WHERE id = $3")
        .bind(items)
        .bind(total)
        .bind(id.as_i64())
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn insert_batch(
    tx: &mut Tx,
    id: Id,
    provider: &str,
    items: i64,
    total: i64,
    currency: &str,
) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO payout_batches (id, provider, items, total, currency, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.as_i64())
    .bind(provider)
    .bind(items)
    .bind(total)
    .bind(currency)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(())
}
