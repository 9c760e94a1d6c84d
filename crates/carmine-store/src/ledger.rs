//! The ledger's rows: accounts with their derived balances, immutable transactions
//! and their postings, two-phase holds, and the sums statements and reconciliation
//! read. Rules (what balances, who may go negative) live in carmine-ledger; here
//! they are only the conditional `UPDATE`s that make them hold under concurrency.

use carmine_core::limits::ACCOUNT_BALANCE_MAX;
use carmine_core::{Id, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, StoreError, StoreResult, Tx};

/// An account row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountRecord {
    pub id: Id,
    pub owner_kind: String,
    pub owner_id: Id,
    pub kind: String,
    pub currency: String,
    pub may_go_negative: bool,
    pub balance: i64,
    pub pending_debits: i64,
    pub pending_credits: i64,
}

const ACCOUNT_COLUMNS: &str =
    "id, owner_kind, owner_id, kind, currency, may_go_negative, balance, pending_debits, pending_credits";

fn account(row: &AnyRow) -> StoreResult<AccountRecord> {
    Ok(AccountRecord {
        id: Id::from_i64(row.try_get("id")?),
        owner_kind: row.try_get("owner_kind")?,
        owner_id: Id::from_i64(row.try_get("owner_id")?),
        kind: row.try_get("kind")?,
        currency: row.try_get("currency")?,
        may_go_negative: row.try_get::<i64, _>("may_go_negative")? == 1,
        balance: row.try_get("balance")?,
        pending_debits: row.try_get("pending_debits")?,
        pending_credits: row.try_get("pending_credits")?,
    })
}

/// The account `(owner, kind, currency)`, created empty on first use.
///
/// An existing account is read, never inserted again: on PostgreSQL an
/// `INSERT … ON CONFLICT` waits for any transaction that is updating the account's
/// row (its balance), which deadlocked checkouts holding product locks against the
/// payments crediting the escrow.
pub async fn ensure_account(
    tx: &mut Tx,
    owner_kind: &str,
    owner_id: Id,
    kind: &str,
    currency: &str,
    may_go_negative: bool,
) -> StoreResult<Id> {
    let find = async |tx: &mut Tx| -> StoreResult<Option<Id>> {
        let row = sqlx::query(
            "SELECT id FROM ledger_accounts WHERE owner_kind = $1 AND owner_id = $2 AND kind = $3 AND currency = $4",
        )
        .bind(owner_kind)
        .bind(owner_id.as_i64())
        .bind(kind)
        .bind(currency)
        .fetch_optional(tx.conn())
        .await?;
        Ok(row.map(|r| r.try_get("id").map(Id::from_i64)).transpose()?)
    };
    if let Some(id) = find(tx).await? {
        return Ok(id);
    }
    let id = tx.new_id();
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO ledger_accounts (id, owner_kind, owner_id, kind, currency, may_go_negative, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (owner_kind, owner_id, kind, currency) DO NOTHING",
    )
    .bind(id.as_i64())
    .bind(owner_kind)
    .bind(owner_id.as_i64())
    .bind(kind)
    .bind(currency)
    .bind(i64::from(may_go_negative))
    .bind(now)
    .execute(tx.conn())
    .await?;
    find(tx).await?.ok_or_else(|| StoreError::from(sqlx::Error::RowNotFound))
}

pub async fn get_account(conn: &mut Conn, id: Id) -> StoreResult<Option<AccountRecord>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = $1")))
        .bind(id.as_i64())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(account).transpose()
}

pub async fn find_account(
    conn: &mut Conn,
    owner_kind: &str,
    owner_id: Id,
    kind: &str,
    currency: &str,
) -> StoreResult<Option<AccountRecord>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts
         WHERE owner_kind = $1 AND owner_id = $2 AND kind = $3 AND currency = $4"
    )))
    .bind(owner_kind)
    .bind(owner_id.as_i64())
    .bind(kind)
    .bind(currency)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(account).transpose()
}

/// Every account of one owner, by kind.
pub async fn owner_accounts(conn: &mut Conn, owner_kind: &str, owner_id: Id) -> StoreResult<Vec<AccountRecord>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts WHERE owner_kind = $1 AND owner_id = $2 ORDER BY kind, currency"
    )))
    .bind(owner_kind)
    .bind(owner_id.as_i64())
    .fetch_all(conn)
    .await?;
    rows.iter().map(account).collect()
}

/// Moves `amount` (signed) into an account's balance — only if the account holds
/// `currency`, stays within its floor (zero of its available balance, unless it may
/// go negative) and within [`ACCOUNT_BALANCE_MAX`]. False: nothing changed.
pub async fn apply_posting(tx: &mut Tx, account_id: Id, currency: &str, amount: i64) -> StoreResult<bool> {
    Ok(sqlx::query(
        "UPDATE ledger_accounts SET balance = balance + $1
         WHERE id = $2 AND currency = $3
           AND (may_go_negative = 1 OR balance + $1 - pending_debits >= 0)
           AND balance + $1 <= $4 AND balance + $1 >= -$4",
    )
    .bind(amount)
    .bind(account_id.as_i64())
    .bind(currency)
    .bind(ACCOUNT_BALANCE_MAX)
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Reserves a hold's leg: a debit (negative) raises `pending_debits` if the
/// available balance covers it; a credit raises `pending_credits`. False: nothing changed.
pub async fn reserve(tx: &mut Tx, account_id: Id, currency: &str, amount: i64) -> StoreResult<bool> {
    let (debit, credit) = if amount < 0 { (-amount, 0) } else { (0, amount) };
    Ok(sqlx::query(
        "UPDATE ledger_accounts SET pending_debits = pending_debits + $1, pending_credits = pending_credits + $2
         WHERE id = $3 AND currency = $4
           AND (may_go_negative = 1 OR balance - pending_debits - $1 >= 0)
           AND pending_debits + $1 <= $5 AND pending_credits + $2 <= $5",
    )
    .bind(debit)
    .bind(credit)
    .bind(account_id.as_i64())
    .bind(currency)
    .bind(ACCOUNT_BALANCE_MAX)
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Releases a reserved leg; with `post` the amount also moves into the balance
/// (which cannot break the floor: the reservation already covered it).
pub async fn release(tx: &mut Tx, account_id: Id, amount: i64, post: bool) -> StoreResult<()> {
    let (debit, credit) = if amount < 0 { (-amount, 0) } else { (0, amount) };
    sqlx::query(
        "UPDATE ledger_accounts SET pending_debits = pending_debits - $1, pending_credits = pending_credits - $2,
                balance = balance + $3
         WHERE id = $4",
    )
    .bind(debit)
    .bind(credit)
    .bind(if post { amount } else { 0 })
    .bind(account_id.as_i64())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// What a new transaction row says about itself.
pub struct NewTransactionRow<'a> {
    pub id: Id,
    pub kind: &'a str,
    pub reference_kind: &'a str,
    pub reference_id: Id,
    pub reverses_id: Option<Id>,
    pub memo: &'a str,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionRecord {
    pub id: Id,
    pub kind: String,
    pub reference_kind: String,
    pub reference_id: Id,
    pub reverses_id: Option<Id>,
    pub reversed_by: Option<Id>,
    pub memo: String,
    pub created_at: Timestamp,
}

/// One posting, with the account it moved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostingRecord {
    pub transaction_id: Id,
    pub account_id: Id,
    pub owner_kind: String,
    pub owner_id: Id,
    pub account_kind: String,
    pub amount: i64,
    pub currency: String,
}

fn transaction(row: &AnyRow) -> StoreResult<TransactionRecord> {
    Ok(TransactionRecord {
        id: Id::from_i64(row.try_get("id")?),
        kind: row.try_get("kind")?,
        reference_kind: row.try_get("reference_kind")?,
        reference_id: Id::from_i64(row.try_get("reference_id")?),
        reverses_id: row.try_get::<Option<i64>, _>("reverses_id")?.map(Id::from_i64),
        reversed_by: row.try_get::<Option<i64>, _>("reversed_by")?.map(Id::from_i64),
        memo: row.try_get("memo")?,
        created_at: Timestamp(row.try_get("created_at")?),
    })
}

const TRANSACTION_COLUMNS: &str = "t.id, t.kind, t.reference_kind, t.reference_id, t.reverses_id, t.memo, t.created_at,
     (SELECT r.id FROM ledger_transactions r WHERE r.reverses_id = t.id) AS reversed_by";

pub async fn get_transaction(conn: &mut Conn, id: Id) -> StoreResult<Option<TransactionRecord>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {TRANSACTION_COLUMNS} FROM ledger_transactions t WHERE t.id = $1"
    )))
    .bind(id.as_i64())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(transaction).transpose()
}

pub async fn postings(conn: &mut Conn, transaction_id: Id) -> StoreResult<Vec<PostingRecord>> {
    let rows = sqlx::query(
        "SELECT p.transaction_id, p.account_id, a.owner_kind, a.owner_id, a.kind, p.amount, p.currency
         FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
         WHERE p.transaction_id = $1 ORDER BY p.amount, p.account_id",
    )
    .bind(transaction_id.as_i64())
    .fetch_all(conn)
    .await?;
    rows.iter().map(posting).collect()
}

fn posting(row: &AnyRow) -> StoreResult<PostingRecord> {
    Ok(PostingRecord {
        transaction_id: Id::from_i64(row.try_get("transaction_id")?),
        account_id: Id::from_i64(row.try_get("account_id")?),
        owner_kind: row.try_get("owner_kind")?,
        owner_id: Id::from_i64(row.try_get("owner_id")?),
        account_kind: row.try_get("kind")?,
        amount: row.try_get("amount")?,
        currency: row.try_get("currency")?,
    })
}

/// One line of an account's history: its posting and the transaction's story.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryRecord {
    pub transaction: TransactionRecord,
    pub amount: i64,
    pub currency: String,
}

/// An account's postings, newest first, before `before` (a transaction id).
pub async fn entries(conn: &mut Conn, account_id: Id, before: Option<Id>, limit: u32) -> StoreResult<Vec<EntryRecord>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {TRANSACTION_COLUMNS}, p.amount, p.currency
         FROM ledger_postings p JOIN ledger_transactions t ON t.id = p.transaction_id
         WHERE p.account_id = $1 AND p.transaction_id < $2
         ORDER BY p.transaction_id DESC LIMIT $3"
    )))
    .bind(account_id.as_i64())
    .bind(before.map_or(i64::MAX, Id::as_i64))
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(EntryRecord {
                transaction: transaction(row)?,
                amount: row.try_get("amount")?,
                currency: row.try_get("currency")?,
            })
        })
        .collect()
}

// ---- holds ----

pub struct NewHoldRow<'a> {
    pub id: Id,
    pub kind: &'a str,
    pub reference_kind: &'a str,
    pub reference_id: Id,
    pub expires_at: Timestamp,
    pub memo: &'a str,
}

pub async fn insert_hold(tx: &mut Tx, row: &NewHoldRow<'_>) -> StoreResult<()> {
    let now = tx.now().micros();
    sqlx::query(
        "INSERT INTO ledger_holds (id, kind, reference_kind, reference_id, status, expires_at, memo, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $7)",
    )
    .bind(row.id.as_i64())
    .bind(row.kind)
    .bind(row.reference_kind)
    .bind(row.reference_id.as_i64())
    .bind(row.expires_at.micros())
    .bind(row.memo)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn insert_hold_leg(tx: &mut Tx, hold_id: Id, account_id: Id, currency: &str, amount: i64) -> StoreResult<()> {
    sqlx::query("INSERT INTO ledger_hold_legs (hold_id, account_id, amount, currency) VALUES ($1, $2, $3, $4)")
        .bind(hold_id.as_i64())
        .bind(account_id.as_i64())
        .bind(amount)
        .bind(currency)
        .execute(tx.conn())
        .await?;
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoldRecord {
    pub id: Id,
    pub kind: String,
    pub reference_kind: String,
    pub reference_id: Id,
    pub status: String,
    pub expires_at: Timestamp,
    pub transaction_id: Option<Id>,
    pub memo: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoldLeg {
    pub account_id: Id,
    pub amount: i64,
    pub currency: String,
}

pub async fn get_hold(conn: &mut Conn, id: Id) -> StoreResult<Option<HoldRecord>> {
    let row = sqlx::query(
        "SELECT id, kind, reference_kind, reference_id, status, expires_at, transaction_id, memo FROM ledger_holds WHERE id = $1",
    )
    .bind(id.as_i64())
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(HoldRecord {
            id: Id::from_i64(row.try_get("id")?),
            kind: row.try_get("kind")?,
            reference_kind: row.try_get("reference_kind")?,
            reference_id: Id::from_i64(row.try_get("reference_id")?),
            status: row.try_get("status")?,
            expires_at: Timestamp(row.try_get("expires_at")?),
            transaction_id: row.try_get::<Option<i64>, _>("transaction_id")?.map(Id::from_i64),
            memo: row.try_get("memo")?,
        })
    })
    .transpose()
}

pub async fn hold_legs(conn: &mut Conn, hold_id: Id) -> StoreResult<Vec<HoldLeg>> {
    let rows =
        sqlx::query("SELECT account_id, amount, currency FROM ledger_hold_legs WHERE hold_id = $1 ORDER BY account_id")
            .bind(hold_id.as_i64())
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|row| {
            Ok(HoldLeg {
                account_id: Id::from_i64(row.try_get("account_id")?),
                amount: row.try_get("amount")?,
                currency: row.try_get("currency")?,
            })
        })
        .collect()
}

/// Closes a pending hold as `posted` (only before its expiry), `voided` (any time)
/// or `expired` (only after). False: it was already closed, or the time is wrong.
pub async fn close_hold(tx: &mut Tx, id: Id, status: &str, transaction_id: Option<Id>) -> StoreResult<bool> {
    let now = tx.now().micros();
    Ok(sqlx::query(
        "UPDATE ledger_holds SET status = $1, transaction_id = $2, updated_at = $3
         WHERE id = $4 AND status = 'pending'
           AND ($1 = 'voided' OR ($1 = 'posted' AND expires_at > $3) OR ($1 = 'expired' AND expires_at <= $3))",
    )
    .bind(status)
    .bind(transaction_id.map(Id::as_i64))
    .bind(now)
    .bind(id.as_i64())
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Pending holds past their expiry, oldest first.
pub async fn expired_holds(conn: &mut Conn, now: Timestamp, limit: u32) -> StoreResult<Vec<Id>> {
    let rows = sqlx::query(
        "SELECT id FROM ledger_holds WHERE status = 'pending' AND expires_at <= $1 ORDER BY expires_at LIMIT $2",
    )
    .bind(now.micros())
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| Ok(Id::from_i64(row.try_get("id")?))).collect()
}

// ---- statements and reconciliation ----

/// Sums of postings per account kind and UTC day on one owner's accounts whose
/// kind starts with `kind_prefix`, in `[from, to)`.
/// Sums by account kind, currency and day; days start `offset_micros` before UTC's.
pub async fn daily_sums(
    conn: &mut Conn,
    owner_kind: &str,
    kind_prefix: &str,
    from: Timestamp,
    to: Timestamp,
    offset_micros: i64,
) -> StoreResult<Vec<(String, String, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT a.kind, a.currency, (p.created_at + $6) / 86400000000 AS day, CAST(SUM(p.amount) AS BIGINT) AS total
         FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
         WHERE a.owner_kind = $1 AND a.kind LIKE $2 AND p.created_at >= $3 AND p.created_at < $4
           AND p.transaction_id >= $5
         GROUP BY a.kind, a.currency, (p.created_at + $6) / 86400000000
         ORDER BY day, a.kind",
    )
    .bind(owner_kind)
    .bind(format!("{kind_prefix}%"))
    .bind(from.micros())
    .bind(to.micros())
    // Postings are reached through (account, transaction id): ids are never older
    // than the time they were made, so the period's first id bounds the scan.
    .bind(Id::lowest_at(from.micros() / 1_000).as_i64())
    .bind(offset_micros)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("kind")?, row.try_get("currency")?, row.try_get("day")?, row.try_get("total")?)))
        .collect()
}

/// Each account's stored balance and pending amounts beside the same recomputed
/// from its postings and its open holds' legs: `(account, stored, recomputed)`.
pub async fn recomputed_balances(conn: &mut Conn) -> StoreResult<Vec<(AccountRecord, (i64, i64, i64))>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ACCOUNT_COLUMNS},
            CAST(COALESCE((SELECT SUM(p.amount) FROM ledger_postings p WHERE p.account_id = a.id), 0) AS BIGINT) AS posted,
            CAST(COALESCE((SELECT SUM(-l.amount) FROM ledger_hold_legs l JOIN ledger_holds h ON h.id = l.hold_id
                           WHERE l.account_id = a.id AND h.status = 'pending' AND l.amount < 0), 0) AS BIGINT) AS held_debits,
            CAST(COALESCE((SELECT SUM(l.amount) FROM ledger_hold_legs l JOIN ledger_holds h ON h.id = l.hold_id
                           WHERE l.account_id = a.id AND h.status = 'pending' AND l.amount > 0), 0) AS BIGINT) AS held_credits
         FROM ledger_accounts a ORDER BY a.id"
    )))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((account(row)?, (row.try_get("posted")?, row.try_get("held_debits")?, row.try_get("held_credits")?)))
        })
        .collect()
}

/// Transactions whose postings do not sum to zero in some currency (at most `limit`).
pub async fn unbalanced_transactions(conn: &mut Conn, limit: u32) -> StoreResult<Vec<Id>> {
    let rows = sqlx::query(
        "SELECT transaction_id FROM ledger_postings GROUP BY transaction_id, currency
         HAVING SUM(amount) <> 0 ORDER BY transaction_id LIMIT $1",
    )
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| Ok(Id::from_i64(row.try_get("transaction_id")?))).collect()
}

/// Transactions with fewer than two postings (at most `limit`).
pub async fn lopsided_transactions(conn: &mut Conn, limit: u32) -> StoreResult<Vec<Id>> {
    let rows = sqlx::query(
        "SELECT t.id FROM ledger_transactions t
         WHERE (SELECT COUNT(*) FROM ledger_postings p WHERE p.transaction_id = t.id) < 2 ORDER BY t.id LIMIT $1",
    )
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| Ok(Id::from_i64(row.try_get("id")?))).collect()
}

/// `(currency, sum of every balance, transactions)` — each sum must be zero.
pub async fn trial_balance(conn: &mut Conn) -> StoreResult<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT currency, CAST(SUM(balance) AS BIGINT) AS total FROM ledger_accounts GROUP BY currency ORDER BY currency",
    )
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| Ok((row.try_get("currency")?, row.try_get("total")?))).collect()
}

pub async fn transaction_count(conn: &mut Conn) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM ledger_transactions").fetch_one(conn).await?;
    Ok(row.try_get("n")?)
}

// ---- group commit ----

/// What the group-commit writer needs of an account to apply transfers in memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchAccount {
    pub id: Id,
    pub kind: String,
    pub currency: String,
    pub may_go_negative: bool,
    pub balance: i64,
    pub pending_debits: i64,
}

/// Reads the accounts a batch touches. On PostgreSQL their rows are locked too, in
/// ascending id order (every ledger writer locks in that order: no deadlocks);
/// SQLite's one writer already holds the database.
pub async fn accounts_for_batch(tx: &mut Tx, ids: &[Id]) -> StoreResult<Vec<BatchAccount>> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    let lock = if tx.backend() == crate::Backend::Postgres { " FOR UPDATE" } else { "" };
    let mut accounts = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(crate::bulk::ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT id, kind, currency, may_go_negative, balance, pending_debits FROM ledger_accounts
             WHERE id IN ({}) ORDER BY id{lock}",
            crate::bulk::list(chunk.len(), 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(id.as_i64());
        }
        for row in query.fetch_all(tx.conn()).await? {
            accounts.push(BatchAccount {
                id: Id::from_i64(row.try_get("id")?),
                kind: row.try_get("kind")?,
                currency: row.try_get("currency")?,
                may_go_negative: row.try_get::<i64, _>("may_go_negative")? == 1,
                balance: row.try_get("balance")?,
                pending_debits: row.try_get("pending_debits")?,
            });
        }
    }
    Ok(accounts)
}

/// Adds each `(account, delta)` to its balance, in one statement per chunk.
pub async fn add_to_balances(tx: &mut Tx, deltas: &[(Id, i64)]) -> StoreResult<()> {
    for chunk in deltas.chunks(crate::bulk::ROWS_PER_STATEMENT) {
        let cases: String = (0..chunk.len()).map(|i| format!(" WHEN ${} THEN ${}", 2 * i + 1, 2 * i + 2)).collect();
        let ids: Vec<String> = (0..chunk.len()).map(|i| format!("${}", 2 * i + 1)).collect();
        let sql = format!(
            "UPDATE ledger_accounts SET balance = balance + CASE id{cases} ELSE 0 END WHERE id IN ({})",
            ids.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, delta) in chunk {
            query = query.bind(id.as_i64()).bind(*delta);
        }
        query.execute(tx.conn()).await?;
    }
    Ok(())
}

/// Inserts transactions (one, or a batch's); a second reversal of the same
/// transaction is a unique violation on `ledger_transactions.reverses_id`.
pub async fn insert_transactions(tx: &mut Tx, rows: &[NewTransactionRow<'_>]) -> StoreResult<()> {
    let now = tx.now().micros();
    for chunk in rows.chunks(crate::bulk::ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO ledger_transactions (id, kind, reference_kind, reference_id, reverses_id, memo, created_at)
             VALUES {}",
            crate::bulk::tuples(chunk.len(), 7, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            query = query
                .bind(row.id.as_i64())
                .bind(row.kind)
                .bind(row.reference_kind)
                .bind(row.reference_id.as_i64())
                .bind(row.reverses_id.map(Id::as_i64))
                .bind(row.memo)
                .bind(now);
        }
        query.execute(tx.conn()).await?;
    }
    Ok(())
}

/// Inserts postings `(transaction, account, currency, amount)`, in bulk.
pub async fn insert_postings(tx: &mut Tx, rows: &[(Id, Id, &str, i64)]) -> StoreResult<()> {
    let now = tx.now().micros();
    for chunk in rows.chunks(crate::bulk::ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO ledger_postings (transaction_id, account_id, currency, amount, created_at) VALUES {}",
            crate::bulk::tuples(chunk.len(), 5, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (transaction, account, currency, amount) in chunk {
            query = query.bind(transaction.as_i64()).bind(account.as_i64()).bind(*currency).bind(*amount).bind(now);
        }
        query.execute(tx.conn()).await?;
    }
    Ok(())
}
