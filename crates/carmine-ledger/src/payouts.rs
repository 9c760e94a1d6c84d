//! Payouts: creators and organizations register a payout account and withdraw
//! their available earnings; withdrawals go out in batches through the provider.
//!
//! A withdrawal holds its amount (earnings → payouts in transit) at once, so it
//! cannot be spent twice. A batch posts the holds of the requested payouts and
//! sends each to the provider (outside any transaction); a paid payout moves from
//! in transit to provider clearing; a failed one is reversed back to earnings. A
//! withdrawal no batch took before its hold expired is released. A batch that was
//! interrupted resumes: the provider answers a payout it already has the same way.

use carmine_core::event::DomainEvent;
use carmine_core::limits::{PAYOUT_BATCH_MAX, PAYOUT_HOLDER_CHARS_MAX, PAYOUT_MINOR_MAX, PAYOUT_MINOR_MIN};
use carmine_core::money::Money;
use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_store::Tx;
use carmine_store::ledger as ledger_rows;
use carmine_store::payments::{self as rows, NewPayout, PayoutAccountRecord, PayoutRecord};
use serde_json::json;

use crate::accounts::{AccountKind, AccountRef, Owner};
use crate::idempotency::{self, IdempotencyKey, Outcome, Prior};
use crate::payments::Payments;
use crate::posting::{self, Header, Leg};

/// What one run of [`Payments::run_payout_batch`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchReport {
    pub batch_id: Option<Id>,
    pub submitted: usize,
    pub paid: usize,
    pub failed: usize,
    pub expired: usize,
}

fn owner_parts(owner: Owner) -> Result<(&'static str, Id)> {
    match owner {
        Owner::User(_) | Owner::Org(_) => Ok((owner.kind(), owner.id())),
        Owner::Platform => Err(Error::internal("the platform has no payout account")),
    }
}

impl Payments {
    /// Registers (or replaces) where an owner's payouts go.
    pub async fn set_payout_account(
        &self,
        owner: Owner,
        holder: &str,
        account_number: &str,
    ) -> Result<PayoutAccountRecord> {
        let (owner_kind, owner_id) = owner_parts(owner)?;
        let holder = holder.trim();
        if holder.is_empty() || holder.chars().count() > PAYOUT_HOLDER_CHARS_MAX || holder.chars().any(char::is_control)
        {
            return Err(Error::invalid_field("holder_name", format!("1 to {PAYOUT_HOLDER_CHARS_MAX} characters")));
        }
        let destination = self.provider().register_destination(holder, account_number).await?;
        let record = PayoutAccountRecord {
            owner_kind: owner_kind.to_owned(),
            owner_id,
            provider: self.provider().name().to_owned(),
            holder_name: holder.to_owned(),
            account_last4: destination.last4,
            account_token: destination.token,
            updated_at: self.ledger().now(),
        };
        let mut tx = self.ledger().db().begin().await?;
        rows::set_payout_account(&mut tx, &record).await?;
        tx.emit(DomainEvent::PayoutAccountSet { owner_kind: owner_kind.to_owned(), owner_id }).await?;
        tx.commit().await?;
        Ok(record)
    }

    pub async fn payout_account(&self, owner: Owner) -> Result<Option<PayoutAccountRecord>> {
        let (owner_kind, owner_id) = owner_parts(owner)?;
        let mut conn = self.ledger().db().reader().await?;
        Ok(rows::payout_account(&mut conn, owner_kind, owner_id).await?)
    }

    /// Asks to withdraw `amount` of an owner's available earnings.
    pub async fn request_payout(
        &self,
        owner: Owner,
        by: Id,
        amount: Money,
        key: &IdempotencyKey,
    ) -> Result<PayoutRecord> {
        let _guard = match self.ledger().idempotency().begin(key).await? {
            Prior::Done(Outcome::Made(id)) => return self.payout(id).await,
            Prior::Done(Outcome::Refused(error)) => return Err(error),
            Prior::Fresh(guard) | Prior::Interrupted { guard, .. } => guard,
        };
        let (owner_kind, owner_id) = owner_parts(owner)?;
        self.ledger().config().check_currency(amount.currency)?;
        if !(PAYOUT_MINOR_MIN..=PAYOUT_MINOR_MAX).contains(&amount.amount_minor) {
            return Err(Error::new(ErrorCode::InvalidAmount)
                .with_details(json!({ "field": "amount", "min": PAYOUT_MINOR_MIN, "max": PAYOUT_MINOR_MAX })));
        }
        let destination = self.payout_account(owner).await?.ok_or(ErrorCode::PayoutAccountRequired)?;
        let earnings = self.ledger().account(AccountRef::new(owner, AccountKind::Earnings, amount.currency)).await?;
        let in_transit =
            self.ledger().account(AccountRef::platform(AccountKind::PayoutsInTransit, amount.currency)).await?;
        let mut tx = self.ledger().db().begin().await?;
        let id = tx.new_id();
        let expires_at = self.ledger().idempotency().expires_at(tx.now());
        idempotency::claim(&mut tx, key, None, expires_at).await?;
        let legs = [
            Leg { account_id: earnings, currency: amount.currency, amount: -amount.amount_minor },
            Leg { account_id: in_transit, currency: amount.currency, amount: amount.amount_minor },
        ];
        let header = Header::new("payout", "payout", id, format!("to ····{}", destination.account_last4));
        let expires = tx.now().plus_seconds(self.ledger().config().payout_hold_seconds);
        let outcome = match posting::hold(&mut tx, &header, &legs, expires).await {
            Ok(hold) => {
                let new = NewPayout {
                    id,
                    owner_kind,
                    owner_id,
                    account_id: earnings,
                    amount: amount.amount_minor,
                    currency: amount.currency.as_str(),
                    hold_id: hold,
                    provider: &destination.provider,
                    destination: &destination.account_token,
                    requested_by: by,
                };
                rows::insert_payout(&mut tx, &new).await?;
                tx.emit(DomainEvent::PayoutChanged { payout_id: id, status: "requested".to_owned() }).await?;
                Ok(id)
            }
            Err(error) if error.code == ErrorCode::Internal => return Err(error),
            Err(error) => Err(error),
        };
        idempotency::finish(&mut tx, key, &outcome).await?;
        tx.commit().await?;
        self.payout(outcome?).await
    }

    pub async fn payout(&self, id: Id) -> Result<PayoutRecord> {
        let mut conn = self.ledger().db().reader().await?;
        Ok(rows::get_payout(&mut conn, id).await?.ok_or(ErrorCode::PayoutNotFound)?)
    }

    /// A payout of this owner (`payout_not_found` for anyone else's).
    pub async fn payout_for(&self, owner: Owner, id: Id) -> Result<PayoutRecord> {
        let payout = self.payout(id).await?;
        if payout.owner_kind != owner.kind() || payout.owner_id != owner.id() {
            return Err(Error::new(ErrorCode::PayoutNotFound));
        }
        Ok(payout)
    }

    /// An owner's payouts, newest first (`limit + 1` rows).
    pub async fn payouts(&self, owner: Owner, before: Option<Id>, limit: u32) -> Result<Vec<PayoutRecord>> {
        let (owner_kind, owner_id) = owner_parts(owner)?;
        let mut conn = self.ledger().db().reader().await?;
        Ok(rows::owner_payouts(&mut conn, owner_kind, owner_id, before, limit + 1).await?)
    }

    /// Every recent payout (the operator's view).
    pub async fn recent_payouts(&self, limit: u32) -> Result<Vec<PayoutRecord>> {
        let mut conn = self.ledger().db().reader().await?;
        Ok(rows::recent_payouts(&mut conn, limit).await?)
    }

    /// Withdraws a request no batch has taken yet; its hold is released.
    pub async fn cancel_payout(&self, owner: Owner, id: Id) -> Result<PayoutRecord> {
        let payout = self.payout_for(owner, id).await?;
        let mut tx = self.ledger().db().begin().await?;
        if !rows::move_payout(&mut tx, id, "requested", "cancelled", None, None, None).await? {
            return Err(Error::new(ErrorCode::PayoutNotCancellable).with_details(json!({ "status": payout.status })));
        }
        posting::void_hold(&mut tx, payout.hold_id, false).await?;
        tx.emit(DomainEvent::PayoutChanged { payout_id: id, status: "cancelled".to_owned() }).await?;
        tx.commit().await?;
        self.payout(id).await
    }

    /// Sends the requested payouts (up to [`PAYOUT_BATCH_MAX`]) and finishes any an
    /// earlier, interrupted batch left `submitted`.
    pub async fn run_payout_batch(&self) -> Result<BatchReport> {
        let mut report = BatchReport::default();
        let db = self.ledger().db().clone();
        let requested = {
            let mut conn = db.reader().await?;
            rows::payouts_in(&mut conn, "requested", PAYOUT_BATCH_MAX).await?
        };
        if !requested.is_empty() {
            let mut tx = db.begin().await?;
            let batch_id = tx.new_id();
            let currency = self.ledger().config().currency;
            rows::insert_batch(&mut tx, batch_id, self.provider().name(), 0, 0, currency.as_str()).await?;
            let mut total = 0;
            let mut items = 0;
            for payout in &requested {
                match posting::post_hold(&mut tx, payout.hold_id).await {
                    Ok(_) => {
                        if rows::move_payout(&mut tx, payout.id, "requested", "submitted", Some(batch_id), None, None)
                            .await?
                        {
                            tx.emit(DomainEvent::PayoutChanged {
                                payout_id: payout.id,
                                status: "submitted".to_owned(),
                            })
                            .await?;
                            total += payout.amount;
                            items += 1;
                        }
                    }
                    Err(error) if error.code == ErrorCode::HoldNotPending => report.expired += 1,
                    Err(error) => return Err(error),
                }
            }
            rows::set_batch_totals(&mut tx, batch_id, items, total).await?;
            report.batch_id = Some(batch_id);
            tx.commit().await?;
        }
        let submitted = {
            let mut conn = db.reader().await?;
            rows::payouts_in(&mut conn, "submitted", PAYOUT_BATCH_MAX).await?
        };
        for payout in &submitted {
            report.submitted += 1;
            let money = Money::new(payout.amount, self.ledger().config().currency);
            let answer = match self.provider().payout(payout.id, &payout.destination, money).await {
                Ok(answer) => answer,
                Err(error) => {
                    tracing::warn!(payout = %payout.id, error = %error, "the provider did not take a payout; it stays submitted");
                    continue;
                }
            };
            let mut tx = db.begin().await?;
            match answer.status {
                crate::provider::TransferStatus::Succeeded => {
                    if rows::move_payout(&mut tx, payout.id, "submitted", "paid", None, Some(&answer.reference), None)
                        .await?
                    {
                        let in_transit = crate::account_in(
                            &mut tx,
                            AccountRef::platform(AccountKind::PayoutsInTransit, money.currency),
                        )
                        .await?;
                        let clearing = crate::account_in(
                            &mut tx,
                            AccountRef::platform(AccountKind::ProviderClearing, money.currency),
                        )
                        .await?;
                        let legs = [
                            Leg { account_id: in_transit, currency: money.currency, amount: -payout.amount },
                            Leg { account_id: clearing, currency: money.currency, amount: payout.amount },
                        ];
                        posting::post(
                            &mut tx,
                            &Header::new("payout_sent", "payout", payout.id, answer.reference.clone()),
                            &legs,
                        )
                        .await?;
                        tx.emit(DomainEvent::PayoutChanged { payout_id: payout.id, status: "paid".to_owned() }).await?;
                        report.paid += 1;
                    }
                }
                crate::provider::TransferStatus::Failed(reason) => {
                    if rows::move_payout(
                        &mut tx,
                        payout.id,
                        "submitted",
                        "failed",
                        None,
                        Some(&answer.reference),
                        Some(&reason),
                    )
                    .await?
                    {
                        let hold = ledger_rows::get_hold(tx.conn(), payout.hold_id).await?;
                        let posted = hold
                            .and_then(|h| h.transaction_id)
                            .ok_or_else(|| Error::internal("a submitted payout's hold was not posted"))?;
                        posting::reverse(&mut tx, posted, &format!("payout failed: {reason}")).await?;
                        tx.emit(DomainEvent::PayoutChanged { payout_id: payout.id, status: "failed".to_owned() })
                            .await?;
                        report.failed += 1;
                    }
                }
                crate::provider::TransferStatus::Pending => {}
            }
            tx.commit().await?;
        }
        Ok(report)
    }
}

/// A payout whose hold expired before any batch took it (called by the expiry sweep).
pub(crate) async fn hold_expired(tx: &mut Tx, hold_id: Id) -> Result<()> {
    if let Some(payout) = rows::payout_by_hold(tx.conn(), hold_id).await?
        && rows::move_payout(tx, payout.id, "requested", "expired", None, None, Some("no batch took it in time"))
            .await?
    {
        tx.emit(DomainEvent::PayoutChanged { payout_id: payout.id, status: "expired".to_owned() }).await?;
    }
    Ok(())
}

/// Forgets a member's payout account (bank details) inside an erasure's transaction.
/// Ledger rows — accounts, transactions, postings, payouts — stay: the law requires
/// them, and they hold no personal fields beyond the member's id.
pub async fn forget_member_account_in(tx: &mut Tx, member: Id) -> Result<()> {
    rows::delete_payout_account(tx, "user", member).await?;
    Ok(())
}
