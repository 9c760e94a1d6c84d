//! Writing the ledger inside a transaction: balanced transactions, two-phase holds
//! and reversals. Each function is atomic on its own — it works under a savepoint
//! and undoes its partial writes before returning an error — so a caller composing
//! it into a larger transaction may handle the error and go on.

use carmine_core::event::DomainEvent;
use carmine_core::limits::{LEDGER_LEGS_MAX, MONEY_AMOUNT_MAX};
use carmine_core::money::Currency;
use carmine_core::{Error, ErrorCode, Id, Result, Timestamp};
use carmine_store::ledger::{self as rows, NewHoldRow, NewTransactionRow};
use carmine_store::{StoreError, Tx};
use serde_json::json;

/// Why a transaction was written, and the business object that caused it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// `top_up`, `gift`, `payout`, `refund`, `reversal`, `transfer`…
    pub kind: String,
    pub reference_kind: String,
    pub reference_id: Id,
    pub memo: String,
    /// A domain event the transaction also records (a gift's `GiftSent`), emitted
    /// with its `MoneyMoved` in the same database transaction.
    pub announces: Option<DomainEvent>,
}

impl Header {
    pub fn new(kind: &str, reference_kind: &str, reference_id: Id, memo: impl Into<String>) -> Header {
        Header {
            kind: kind.to_owned(),
            reference_kind: reference_kind.to_owned(),
            reference_id,
            memo: memo.into(),
            announces: None,
        }
    }

    pub fn announcing(self, event: DomainEvent) -> Header {
        Header { announces: Some(event), ..self }
    }
}

/// One posting to write: a resolved account, its currency and a signed amount
/// (positive raises the balance).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Leg {
    pub account_id: Id,
    pub currency: Currency,
    pub amount: i64,
}

/// A positive amount within [`MONEY_AMOUNT_MAX`].
pub fn check_amount(field: &str, amount: i64) -> Result<()> {
    if amount <= 0 || amount > MONEY_AMOUNT_MAX {
        return Err(Error::new(ErrorCode::InvalidAmount).with_details(json!({
            "field": field, "min": 1, "max": MONEY_AMOUNT_MAX,
        })));
    }
    Ok(())
}

/// The rules every transaction obeys before it touches a row: 2 to 16 legs on
/// distinct accounts, each a non-zero amount within the limit, one currency, summing
/// to zero.
pub fn validate(legs: &[Leg]) -> Result<Currency> {
    let Some(first) = legs.first() else {
        return Err(Error::new(ErrorCode::UnbalancedTransaction).with_message("a transaction needs postings"));
    };
    if legs.len() < 2 || legs.len() > LEDGER_LEGS_MAX {
        return Err(Error::new(ErrorCode::UnbalancedTransaction)
            .with_message(format!("a transaction has 2 to {LEDGER_LEGS_MAX} postings")));
    }
    let mut sum: i128 = 0;
    for (i, leg) in legs.iter().enumerate() {
        if leg.amount == 0 || leg.amount.unsigned_abs() > MONEY_AMOUNT_MAX as u64 {
            return Err(Error::new(ErrorCode::InvalidAmount)
                .with_details(json!({ "leg": i, "min": 1, "max": MONEY_AMOUNT_MAX })));
        }
        if leg.currency != first.currency {
            return Err(Error::new(ErrorCode::CurrencyMismatch)
                .with_details(json!({ "expected": first.currency.as_str(), "found": leg.currency.as_str() })));
        }
        if legs[..i].iter().any(|other| other.account_id == leg.account_id) {
            return Err(Error::new(ErrorCode::UnbalancedTransaction).with_message("an account appears twice"));
        }
        sum += i128::from(leg.amount);
    }
    if sum != 0 {
        return Err(Error::new(ErrorCode::UnbalancedTransaction).with_details(json!({ "off_by": sum.to_string() })));
    }
    Ok(first.currency)
}

/// Legs in ascending account order: every writer touches account rows in the same
/// order, so concurrent transactions on PostgreSQL never deadlock on them.
fn in_lock_order(legs: &[Leg]) -> Vec<Leg> {
    let mut ordered = legs.to_vec();
    ordered.sort_by_key(|leg| leg.account_id);
    ordered
}

/// Runs `work` under a savepoint: kept if it succeeds, undone if it fails.
async fn atomically<T>(tx: &mut Tx, work: impl AsyncFnOnce(&mut Tx) -> Result<T>) -> Result<T> {
    tx.savepoint().await?;
    match work(tx).await {
        Ok(value) => {
            tx.release_savepoint().await?;
            Ok(value)
        }
        Err(error) => {
            tx.rollback_to_savepoint().await?;
            Err(error)
        }
    }
}

/// Why a conditional update on `account_id` changed nothing.
async fn refusal(tx: &mut Tx, account_id: Id, currency: Currency, amount: i64) -> Error {
    match rows::get_account(tx.conn(), account_id).await {
        Ok(Some(account)) if account.currency != currency.as_str() => Error::new(ErrorCode::CurrencyMismatch)
            .with_details(json!({ "expected": account.currency, "found": currency.as_str() })),
        Ok(Some(account)) if amount < 0 => Error::new(ErrorCode::InsufficientFunds).with_details(json!({
            "account": account.kind,
            "available": { "amount_minor": account.balance - account.pending_debits, "currency": account.currency },
            "needed": { "amount_minor": -amount, "currency": account.currency },
        })),
        Ok(Some(_)) => Error::new(ErrorCode::InvalidAmount).with_message("the balance would pass its limit"),
        Ok(None) => Error::internal(format!("ledger account {account_id} does not exist")),
        Err(error) => error.into(),
    }
}

/// Writes a balanced transaction. Refused (and nothing written) when a leg would
/// take a non-negative account below zero.
pub async fn post(tx: &mut Tx, header: &Header, legs: &[Leg]) -> Result<Id> {
    post_reversing(tx, header, legs, None).await
}

async fn post_reversing(tx: &mut Tx, header: &Header, legs: &[Leg], reverses: Option<Id>) -> Result<Id> {
    validate(legs)?;
    let id = tx.new_id();
    atomically(tx, async |tx: &mut Tx| {
        let row = NewTransactionRow {
            id,
            kind: &header.kind,
            reference_kind: &header.reference_kind,
            reference_id: header.reference_id,
            reverses_id: reverses,
            memo: &header.memo,
        };
        rows::insert_transactions(tx, std::slice::from_ref(&row)).await.map_err(|error| match error {
            StoreError::Unique(_) => Error::new(ErrorCode::AlreadyReversed),
            other => other.into(),
        })?;
        for leg in in_lock_order(legs) {
            if !rows::apply_posting(tx, leg.account_id, leg.currency.as_str(), leg.amount).await? {
                return Err(refusal(tx, leg.account_id, leg.currency, leg.amount).await);
            }
        }
        let postings: Vec<_> = legs.iter().map(|l| (id, l.account_id, l.currency.as_str(), l.amount)).collect();
        rows::insert_postings(tx, &postings).await?;
        tx.emit(DomainEvent::MoneyMoved {
            transaction_id: id,
            kind: header.kind.clone(),
            reference_kind: header.reference_kind.clone(),
            reference_id: header.reference_id,
        })
        .await?;
        if let Some(event) = &header.announces {
            tx.emit(event.clone()).await?;
        }
        Ok(id)
    })
    .await
}

/// Reserves a transaction to post later: debited accounts' available balances
/// drop now; nothing is posted until [`post_hold`]; [`void_hold`] or expiry
/// releases it. Refused like [`post`] when a debit is not covered.
pub async fn hold(tx: &mut Tx, header: &Header, legs: &[Leg], expires_at: Timestamp) -> Result<Id> {
    validate(legs)?;
    if expires_at <= tx.now() {
        return Err(Error::invalid_field("expires_at", "must be in the future"));
    }
    let id = tx.new_id();
    atomically(tx, async |tx: &mut Tx| {
        let row = NewHoldRow {
            id,
            kind: &header.kind,
            reference_kind: &header.reference_kind,
            reference_id: header.reference_id,
            expires_at,
            memo: &header.memo,
        };
        rows::insert_hold(tx, &row).await?;
        for leg in in_lock_order(legs) {
            rows::insert_hold_leg(tx, id, leg.account_id, leg.currency.as_str(), leg.amount).await?;
            if !rows::reserve(tx, leg.account_id, leg.currency.as_str(), leg.amount).await? {
                return Err(refusal(tx, leg.account_id, leg.currency, leg.amount).await);
            }
        }
        tx.emit(DomainEvent::HoldChanged { hold_id: id, status: "pending".to_owned() }).await?;
        Ok(id)
    })
    .await
}

/// Posts a pending hold as one transaction, at most once and only before it expires.
pub async fn post_hold(tx: &mut Tx, hold_id: Id) -> Result<Id> {
    let hold = rows::get_hold(tx.conn(), hold_id).await?.ok_or(ErrorCode::HoldNotFound)?;
    if hold.status != "pending" {
        return Err(Error::new(ErrorCode::HoldNotPending).with_details(json!({ "status": hold.status })));
    }
    let legs = rows::hold_legs(tx.conn(), hold_id).await?;
    let id = tx.new_id();
    atomically(tx, async |tx: &mut Tx| {
        let row = NewTransactionRow {
            id,
            kind: &hold.kind,
            reference_kind: &hold.reference_kind,
            reference_id: hold.reference_id,
            reverses_id: None,
            memo: &hold.memo,
        };
        rows::insert_transactions(tx, std::slice::from_ref(&row)).await?;
        if !rows::close_hold(tx, hold_id, "posted", Some(id)).await? {
            return Err(Error::new(ErrorCode::HoldNotPending).with_details(json!({ "status": "expired" })));
        }
        for leg in &legs {
            rows::release(tx, leg.account_id, leg.amount, true).await?;
        }
        let postings: Vec<_> = legs.iter().map(|l| (id, l.account_id, l.currency.as_str(), l.amount)).collect();
        rows::insert_postings(tx, &postings).await?;
        tx.emit(DomainEvent::MoneyMoved {
            transaction_id: id,
            kind: hold.kind.clone(),
            reference_kind: hold.reference_kind.clone(),
            reference_id: hold.reference_id,
        })
        .await?;
        tx.emit(DomainEvent::HoldChanged { hold_id, status: "posted".to_owned() }).await?;
        Ok(id)
    })
    .await
}

/// Releases a pending hold without posting it: `voided` (any time) or `expired`
/// (only once its time has come).
pub async fn void_hold(tx: &mut Tx, hold_id: Id, expired: bool) -> Result<()> {
    let status = if expired { "expired" } else { "voided" };
    atomically(tx, async |tx: &mut Tx| {
        if !rows::close_hold(tx, hold_id, status, None).await? {
            return Err(match rows::get_hold(tx.conn(), hold_id).await? {
                None => Error::new(ErrorCode::HoldNotFound),
                Some(hold) => Error::new(ErrorCode::HoldNotPending).with_details(json!({ "status": hold.status })),
            });
        }
        for leg in rows::hold_legs(tx.conn(), hold_id).await? {
            rows::release(tx, leg.account_id, leg.amount, false).await?;
        }
        tx.emit(DomainEvent::HoldChanged { hold_id, status: status.to_owned() }).await?;
        Ok(())
    })
    .await
}

/// The one correction: a new transaction with every posting of `transaction_id`
/// negated, at most once, refused like any other if it would overdraw an account.
pub async fn reverse(tx: &mut Tx, transaction_id: Id, memo: &str) -> Result<Id> {
    let original = rows::get_transaction(tx.conn(), transaction_id).await?.ok_or(ErrorCode::TransactionNotFound)?;
    if original.reverses_id.is_some() {
        return Err(Error::new(ErrorCode::AlreadyReversed).with_message("a reversal is not reversed; post anew"));
    }
    let legs = rows::postings(tx.conn(), transaction_id)
        .await?
        .iter()
        .map(|p| {
            let currency = Currency::parse(&p.currency).ok_or_else(|| Error::internal("bad currency in a posting"))?;
            Ok(Leg { account_id: p.account_id, currency, amount: -p.amount })
        })
        .collect::<Result<Vec<_>>>()?;
    let header = Header::new("reversal", &original.reference_kind, original.reference_id, memo);
    post_reversing(tx, &header, &legs, Some(transaction_id)).await
}

/// Splits `gross` into shares given in basis points (summing to at most 10,000):
/// each share is rounded down, and the remainder — at most one minor unit per share
/// — goes to the last party, the one named to absorb rounding (the platform in
/// every split Carmine makes). The parts always sum exactly to `gross`.
pub fn split(gross: i64, shares_bps: &[u32]) -> Vec<i64> {
    let mut parts: Vec<i64> =
        shares_bps.iter().map(|&bps| (i128::from(gross) * i128::from(bps) / 10_000) as i64).collect();
    let given: i64 = parts.iter().sum();
    parts.push(gross - given);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leg(account: i64, amount: i64) -> Leg {
        Leg { account_id: Id::from_i64(account), currency: Currency::CNY, amount }
    }

    #[test]
    fn transactions_balance_in_one_currency() {
        assert!(validate(&[leg(1, -5), leg(2, 5)]).is_ok());
        assert_eq!(validate(&[leg(1, -5), leg(2, 4)]).unwrap_err().code, ErrorCode::UnbalancedTransaction);
        assert_eq!(validate(&[leg(1, -5)]).unwrap_err().code, ErrorCode::UnbalancedTransaction);
        assert_eq!(validate(&[leg(1, 0), leg(2, 0)]).unwrap_err().code, ErrorCode::InvalidAmount);
        assert_eq!(validate(&[leg(1, i64::MIN), leg(2, 1)]).unwrap_err().code, ErrorCode::InvalidAmount);
        assert_eq!(validate(&[leg(1, -5), leg(1, 5)]).unwrap_err().code, ErrorCode::UnbalancedTransaction);
        let usd = Leg { currency: Currency::parse("USD").unwrap(), ..leg(3, 5) };
        assert_eq!(validate(&[leg(1, -5), usd]).unwrap_err().code, ErrorCode::CurrencyMismatch);
    }

    #[test]
    fn splits_sum_to_the_gross_and_the_last_party_takes_the_remainder() {
        for gross in [1, 7, 10, 99, 101, 12_345, MONEY_AMOUNT_MAX] {
            for shares in [&[5_000][..], &[3_333, 3_333], &[7_000, 1_000], &[10_000], &[]] {
                let parts = split(gross, shares);
                assert_eq!(parts.iter().sum::<i64>(), gross, "{gross} {shares:?}");
                assert!(parts.iter().all(|&p| p >= 0));
                for (part, &bps) in parts.iter().zip(shares) {
                    assert_eq!(*part, gross * i64::from(bps) / 10_000);
                }
            }
        }
        assert_eq!(split(15, &[5_000]), vec![7, 8]);
    }
}
