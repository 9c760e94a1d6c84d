//! Payments: money coming in through a provider (members buying coins,
//! organizations topping up their ad balance or funding escrow), the webhooks that
//! report on them, and refunds.
//!
//! A top-up is recorded first (payment `created`, its idempotency key `started`),
//! then the provider is called outside any transaction, then its answer is applied.
//! Whatever reports the outcome — the call's answer, a webhook (late, twice, out of
//! order), a payer returning from the provider's page, the sweep of stale payments —
//! moves the payment forward with a conditional update, and only the move that
//! reaches `succeeded` posts the credit: a payment is credited exactly once.

use std::sync::Arc;

use carmine_core::event::DomainEvent;
use carmine_core::limits::{ORG_TOP_UP_MINOR_MAX, TOP_UP_MINOR_MAX, TOP_UP_MINOR_MIN};
use carmine_core::money::Money;
use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_store::payments::{self as rows, NewPayment, PaymentRecord, RefundRecord};
use carmine_store::{Db, Tx};
use serde_json::json;

use crate::Ledger;
use crate::accounts::{AccountKind, AccountRef, Owner};
use crate::idempotency::{self, IdempotencyKey, Outcome, Prior};
use crate::posting::{self, Header, Leg};
use crate::provider::{BoxFuture, Charge, ChargeRequest, ChargeStatus, PaymentProvider, TransferStatus, WebhookEvent};

/// What a top-up buys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A member's coins.
    Coins,
    /// An organization's ad balance.
    AdBalance,
    /// An organization's escrow for creator deals.
    Escrow,
    /// A checkout's order group: paid into the platform's commerce escrow.
    Order,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Coins => "coins",
            Purpose::AdBalance => "ad_balance",
            Purpose::Escrow => "escrow",
            Purpose::Order => "order",
        }
    }

    pub fn parse(text: &str) -> Option<Purpose> {
        [Purpose::Coins, Purpose::AdBalance, Purpose::Escrow, Purpose::Order].into_iter().find(|p| p.as_str() == text)
    }

    pub fn account_kind(self) -> AccountKind {
        match self {
            Purpose::Coins => AccountKind::Coins,
            Purpose::AdBalance => AccountKind::AdBalance,
            Purpose::Escrow => AccountKind::Escrow,
            Purpose::Order => AccountKind::CommerceEscrow,
        }
    }
}

/// A top-up request (the caller's right to the owner was checked by the caller).
pub struct TopUp<'a> {
    pub payer: Id,
    pub owner: Owner,
    pub purpose: Purpose,
    pub amount: Money,
    pub method: &'a str,
    /// Where the provider's page sends the payer back.
    pub return_url: &'a str,
}

/// What a delivered webhook did.
#[derive(Debug, PartialEq, Eq)]
pub enum WebhookReceipt {
    Applied,
    /// Seen before: acknowledged and ignored.
    Duplicate,
}

/// What another context does when a payment it started is decided: checkout's
/// orders are paid (or left to be paid again) in the transaction that moves the
/// payment, so a payment and an order's expiry cannot both win.
pub trait PaymentOutcomes: Send + Sync {
    /// The purpose whose payments this answers for.
    fn purpose(&self) -> Purpose;

    /// Called once per payment, in the transaction that moved it into `succeeded`
    /// (after the credit was posted) or `declined`.
    fn decided<'a>(&'a self, tx: &'a mut Tx, payment: &'a PaymentRecord) -> BoxFuture<'a, Result<()>>;
}

#[derive(Clone)]
pub struct Payments {
    ledger: Ledger,
    provider: Arc<dyn PaymentProvider>,
    outcomes: Vec<Arc<dyn PaymentOutcomes>>,
}

impl Payments {
    pub fn new(ledger: Ledger, provider: Arc<dyn PaymentProvider>) -> Payments {
        Payments { ledger, provider, outcomes: Vec::new() }
    }

    /// Lets another context answer for the payments of one purpose.
    pub fn with_outcomes(mut self, outcomes: Arc<dyn PaymentOutcomes>) -> Payments {
        self.outcomes.push(outcomes);
        self
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    pub fn provider(&self) -> &dyn PaymentProvider {
        self.provider.as_ref()
    }

    fn db(&self) -> &Db {
        self.ledger.db()
    }

    pub async fn get(&self, id: Id) -> Result<PaymentRecord> {
        let mut conn = self.db().reader().await?;
        Ok(rows::get_payment(&mut conn, id).await?.ok_or(ErrorCode::PaymentNotFound)?)
    }

    /// A payment the caller made (`payment_not_found` for anyone else's).
    pub async fn get_for(&self, payer: Id, id: Id) -> Result<PaymentRecord> {
        let payment = self.get(id).await?;
        if payment.payer_id != payer {
            return Err(Error::new(ErrorCode::PaymentNotFound));
        }
        Ok(payment)
    }

    /// A payer's payments, newest first (`limit + 1` rows).
    pub async fn list(&self, payer: Id, before: Option<Id>, limit: u32) -> Result<Vec<PaymentRecord>> {
        let mut conn = self.db().reader().await?;
        Ok(rows::payer_payments(&mut conn, payer, before, limit + 1).await?)
    }

    /// Starts (or, under a key seen before, answers again or resumes) a top-up.
    pub async fn top_up(&self, request: &TopUp<'_>, key: &IdempotencyKey) -> Result<PaymentRecord> {
        let guard = match self.ledger.idempotency().begin(key).await? {
            Prior::Done(Outcome::Made(id)) => return self.get(id).await,
            Prior::Done(Outcome::Refused(error)) => return Err(error),
            Prior::Interrupted { resource: Some(id), guard } => {
                let _guard = guard;
                return self.resume(id, Some(key)).await;
            }
            Prior::Interrupted { resource: None, guard } | Prior::Fresh(guard) => guard,
        };
        let _guard = guard;
        self.check_top_up(request)?;
        let config = self.ledger.config();
        let account_id = self
            .ledger
            .account(AccountRef::new(request.owner, request.purpose.account_kind(), config.currency))
            .await?;
        self.ledger.account(AccountRef::platform(AccountKind::ProviderClearing, config.currency)).await?;
        let mut tx = self.db().begin().await?;
        let id = tx.new_id();
        let expires_at = self.ledger.idempotency().expires_at(tx.now());
        idempotency::claim(&mut tx, key, Some(id), expires_at).await?;
        let new = NewPayment {
            id,
            provider: self.provider.name(),
            purpose: request.purpose.as_str(),
            payer_id: request.payer,
            account_id,
            amount: request.amount.amount_minor,
            currency: request.amount.currency.as_str(),
            method: request.method,
        };
        rows::insert_payment(&mut tx, &new).await?;
        tx.emit(DomainEvent::PaymentChanged { payment_id: id, status: "created".to_owned() }).await?;
        tx.commit().await?;
        let return_url = request.return_url.replace("{payment}", &id.to_string());
        self.charge_and_apply(id, request.amount, request.method, &return_url, Some(key)).await
    }

    fn check_top_up(&self, request: &TopUp<'_>) -> Result<()> {
        let config = self.ledger.config();
        config.check_currency(request.amount.currency)?;
        let max = if request.purpose == Purpose::Coins { TOP_UP_MINOR_MAX } else { ORG_TOP_UP_MINOR_MAX };
        let amount = request.amount.amount_minor;
        if !(TOP_UP_MINOR_MIN..=max).contains(&amount) {
            return Err(Error::new(ErrorCode::InvalidAmount)
                .with_details(json!({ "field": "amount", "min": TOP_UP_MINOR_MIN, "max": max })));
        }
        if request.purpose == Purpose::Coins && amount % config.coin_minor != 0 {
            return Err(Error::new(ErrorCode::InvalidAmount)
                .with_message("coins are bought in whole coins")
                .with_details(json!({ "field": "amount", "multiple_of": config.coin_minor })));
        }
        if !self.provider.methods().contains(&request.method) {
            return Err(Error::invalid_field("method", format!("one of {}", self.provider.methods().join(", "))));
        }
        let owner_ok = match request.purpose {
            Purpose::Coins => request.owner == Owner::User(request.payer),
            Purpose::AdBalance | Purpose::Escrow => matches!(request.owner, Owner::Org(_)),
            Purpose::Order => false,
        };
        if !owner_ok {
            return Err(Error::invalid_field(
                "purpose",
                "coins are for oneself; ad balance and escrow for an organization",
            ));
        }
        Ok(())
    }

    async fn charge_and_apply(
        &self,
        id: Id,
        amount: Money,
        method: &str,
        return_url: &str,
        key: Option<&IdempotencyKey>,
    ) -> Result<PaymentRecord> {
        let request = ChargeRequest { payment_id: id, amount, method, return_url };
        let charge = self.provider.create_charge(request).await.map_err(|error| {
            tracing::warn!(payment = %id, error = %error, "the provider did not take the charge; it stays created");
            if error.code == ErrorCode::Internal { Error::new(ErrorCode::ProviderUnavailable) } else { error }
        })?;
        self.apply_answer(id, Some(&charge), key).await
    }

    /// Applies what the provider said of a payment (if anything) and records the
    /// key's outcome, in one transaction; answers the payment as it now is.
    async fn apply_answer(
        &self,
        id: Id,
        charge: Option<&Charge>,
        key: Option<&IdempotencyKey>,
    ) -> Result<PaymentRecord> {
        if charge.is_none() && key.is_none() {
            return self.get(id).await;
        }
        let mut tx = self.db().begin().await?;
        if let Some(charge) = charge {
            self.apply_charge(&mut tx, id, &charge.reference, &charge.status).await?;
        }
        if let Some(key) = key {
            idempotency::finish(&mut tx, key, &Ok(id)).await?;
        }
        tx.commit().await?;
        self.get(id).await
    }

    /// Asks the provider what became of a payment still open, and applies it: a
    /// payer back from the provider's page, a retry after a crash, the sweep.
    pub async fn resume(&self, id: Id, key: Option<&IdempotencyKey>) -> Result<PaymentRecord> {
        let payment = self.get(id).await?;
        let open = matches!(payment.status.as_str(), "created" | "requires_action" | "pending");
        let charge = if open { self.provider.charge(id).await? } else { None };
        match charge {
            // Recorded, but the provider never got the charge: ask it now.
            None if payment.status == "created" => {
                let money = Money::new(payment.amount, self.ledger.config().currency);
                let back = match payment.purpose.as_str() {
                    "order" => format!("/orders/paid?payment={id}"),
                    _ => format!("/wallet/payments/{id}"),
                };
                self.charge_and_apply(id, money, &payment.method, &back, key).await
            }
            charge => self.apply_answer(id, charge.as_ref(), key).await,
        }
    }

    /// Resumes payments left open for more than `older_than_seconds` (the sweep).
    pub async fn resume_stale(&self, older_than_seconds: i64) -> Result<usize> {
        let before = self.db().now().plus_seconds(-older_than_seconds);
        let open = {
            let mut conn = self.db().reader().await?;
            rows::open_payments(&mut conn, before, 100).await?
        };
        for payment in &open {
            if let Err(error) = self.resume(payment.id, None).await {
                tracing::warn!(payment = %payment.id, error = %error, "could not resume a payment");
            }
        }
        let refunds = {
            let mut conn = self.db().reader().await?;
            rows::pending_refunds(&mut conn, before, 100).await?
        };
        for refund in &refunds {
            if let Err(error) = self.settle_refund(refund).await {
                tracing::warn!(refund = %refund.id, error = %error, "could not settle a refund");
            }
        }
        Ok(open.len() + refunds.len())
    }

    /// The background work of a serving node: every 30 s, payments and refunds left
    /// open for over a minute are asked about again; every `batch_every`, requested
    /// payouts go out in a batch. Stops when the handle is aborted.
    pub fn start_worker(&self, batch_every: std::time::Duration) -> tokio::task::JoinHandle<()> {
        let payments = self.clone();
        tokio::spawn(async move {
            let mut last_batch = tokio::time::Instant::now();
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(30)).await;
                if let Err(error) = payments.resume_stale(60).await {
                    tracing::warn!(error = %error, "could not sweep open payments");
                }
                if last_batch.elapsed() >= batch_every {
                    last_batch = tokio::time::Instant::now();
                    match payments.run_payout_batch().await {
                        Ok(report) if report.submitted > 0 => tracing::info!(?report, "sent a payout batch"),
                        Ok(_) => {}
                        Err(error) => tracing::warn!(error = %error, "a payout batch failed"),
                    }
                }
            }
        })
    }

    /// A webhook delivery: verified, applied once, acknowledged.
    pub async fn receive_webhook(
        &self,
        provider: &str,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<WebhookReceipt> {
        let mut tx = self.db().begin().await?;
        let receipt = self.receive_webhook_in(&mut tx, provider, signature, body).await?;
        tx.commit().await?;
        Ok(receipt)
    }

    /// [`Payments::receive_webhook`] inside a transaction (the sandbox's delivery job).
    pub async fn receive_webhook_in(
        &self,
        tx: &mut Tx,
        provider: &str,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<WebhookReceipt> {
        if provider != self.provider.name() {
            return Err(Error::new(ErrorCode::RouteNotFound));
        }
        let event = self.provider.verify_webhook(signature, body, tx.now())?;
        if !rows::record_webhook_event(tx, provider, &event.id, &event.kind).await? {
            return Ok(WebhookReceipt::Duplicate);
        }
        self.apply_event(tx, provider, &event).await?;
        Ok(WebhookReceipt::Applied)
    }

    async fn apply_event(&self, tx: &mut Tx, provider: &str, event: &WebhookEvent) -> Result<()> {
        let status = match event.kind.as_str() {
            "charge.succeeded" => ChargeStatus::Succeeded,
            "charge.pending" => ChargeStatus::Pending,
            "charge.declined" => ChargeStatus::Declined(event.reason.clone().unwrap_or_else(|| "declined".to_owned())),
            "refund.succeeded" | "refund.failed" => {
                // Refund outcomes are applied by `settle_refund`, which asks the provider.
                return Ok(());
            }
            other => {
                tracing::info!(kind = other, "ignored a webhook event of an unknown kind");
                return Ok(());
            }
        };
        match rows::payment_by_ref(tx.conn(), provider, &event.reference).await? {
            Some(payment) => self.apply_charge(tx, payment.id, &event.reference, &status).await,
            None => {
                tracing::warn!(reference = %event.reference, "a webhook named a charge we do not know");
                Ok(())
            }
        }
    }

    /// Refunds part or all of a succeeded payment (an operator's decision) under an
    /// idempotency key: the amount is held on the account the payment credited,
    /// sent back through the provider, and posted when it confirms (voided if it fails).
    pub async fn refund(
        &self,
        by: Id,
        payment_id: Id,
        amount: Money,
        reason: &str,
        key: &IdempotencyKey,
    ) -> Result<RefundRecord> {
        let _guard = match self.ledger.idempotency().begin(key).await? {
            Prior::Done(Outcome::Made(id)) => return self.refund_record(id).await,
            Prior::Done(Outcome::Refused(error)) => return Err(error),
            Prior::Fresh(guard) | Prior::Interrupted { guard, .. } => guard,
        };
        let payment = self.get(payment_id).await?;
        self.ledger.config().check_currency(amount.currency)?;
        posting::check_amount("amount", amount.amount_minor)?;
        if payment.status != "succeeded" {
            return Err(Error::new(ErrorCode::PaymentNotRefundable).with_details(json!({ "status": payment.status })));
        }
        self.ledger.account(AccountRef::platform(AccountKind::ProviderClearing, amount.currency)).await?;
        let expires_at = self.ledger.idempotency().expires_at(self.db().now());
        let made = async {
            let mut tx = self.db().begin().await?;
            let id = refund_in(&mut tx, &payment, amount.amount_minor, reason, by).await?;
            idempotency::claim(&mut tx, key, Some(id), expires_at).await?;
            idempotency::finish(&mut tx, key, &Ok(id)).await?;
            tx.commit().await?;
            Ok(id)
        };
        let id = match made.await {
            Ok(id) => id,
            Err(error) => return Err(idempotency::refuse(self.db(), key, expires_at, error).await),
        };
        let refund = self.refund_record(id).await?;
        self.settle_refund(&refund).await?;
        self.refund_record(id).await
    }

    async fn refund_record(&self, id: Id) -> Result<RefundRecord> {
        let mut conn = self.db().reader().await?;
        rows::get_refund(&mut conn, id).await?.ok_or_else(|| Error::internal("a refund vanished"))
    }

    pub async fn refunds(&self, payment_id: Id) -> Result<Vec<RefundRecord>> {
        let mut conn = self.db().reader().await?;
        Ok(rows::payment_refunds(&mut conn, payment_id).await?)
    }

    /// Sends a refund recorded by [`refund_in`] through the provider now (the sweep
    /// would, a minute later) and applies the answer.
    pub async fn send_refund(&self, refund_id: Id) -> Result<RefundRecord> {
        let refund = self.refund_record(refund_id).await?;
        if refund.status == "pending" {
            self.settle_refund(&refund).await?;
        }
        self.refund_record(refund_id).await
    }

    /// Records a payment for an order group in the caller's transaction (the
    /// orders are written there too); [`Payments::charge`] asks the provider after
    /// the commit.
    /// Creates the accounts an order payment posts to, outside any transaction (once;
    /// then cached), so a checkout holding its products' locks never waits on another
    /// creating them at the same time (that deadlocked on PostgreSQL).
    pub async fn open_order_accounts(&self, currency: carmine_core::money::Currency) -> Result<()> {
        self.ledger.account(AccountRef::platform(AccountKind::CommerceEscrow, currency)).await?;
        self.ledger.account(AccountRef::platform(AccountKind::ProviderClearing, currency)).await?;
        Ok(())
    }

    /// Pays an order from the payer's coins inside the caller's transaction — before
    /// it locks anything else, as every money move comes first: coins → commerce
    /// escrow (`insufficient_funds` when the coins do not cover it), recorded as a
    /// payment of provider [`WALLET`] that has already succeeded. The caller links it
    /// to what it pays for, then calls [`Payments::announce_in`].
    pub async fn wallet_payment_in(&self, tx: &mut Tx, payer: Id, amount: Money) -> Result<Id> {
        self.ledger.config().check_currency(amount.currency)?;
        posting::check_amount("amount", amount.amount_minor)?;
        let escrow = crate::account_in(tx, AccountRef::platform(AccountKind::CommerceEscrow, amount.currency)).await?;
        let coins =
            crate::account_in(tx, AccountRef::new(Owner::User(payer), AccountKind::Coins, amount.currency)).await?;
        let id = tx.new_id();
        let legs = [
            Leg { account_id: coins, currency: amount.currency, amount: -amount.amount_minor },
            Leg { account_id: escrow, currency: amount.currency, amount: amount.amount_minor },
        ];
        let header = Header::new("order_payment", "payment", id, "paid from coins");
        let transaction = posting::post(tx, &header, &legs).await?;
        let new = NewPayment {
            id,
            provider: WALLET,
            purpose: Purpose::Order.as_str(),
            payer_id: payer,
            account_id: escrow,
            amount: amount.amount_minor,
            currency: amount.currency.as_str(),
            method: WALLET,
        };
        rows::insert_payment(tx, &new).await?;
        rows::set_provider_ref(tx, id, &format!("wallet_{id}"), None).await?;
        rows::move_payment(tx, id, &["created"], "succeeded", None, Some(transaction)).await?;
        tx.emit(DomainEvent::PaymentChanged { payment_id: id, status: "succeeded".to_owned() }).await?;
        Ok(id)
    }

    /// Tells the context that answers for a decided payment's purpose, in `tx` (a
    /// wallet payment, once the caller has linked it).
    pub async fn announce_in(&self, tx: &mut Tx, payment_id: Id) -> Result<()> {
        let payment = rows::get_payment(tx.conn(), payment_id).await?.ok_or(ErrorCode::PaymentNotFound)?;
        for outcomes in &self.outcomes {
            if outcomes.purpose().as_str() == payment.purpose {
                outcomes.decided(tx, &payment).await?;
            }
        }
        Ok(())
    }

    pub async fn order_payment_in(&self, tx: &mut Tx, payer: Id, amount: Money, method: &str) -> Result<Id> {
        self.ledger.config().check_currency(amount.currency)?;
        if !self.provider.methods().contains(&method) {
            return Err(Error::invalid_field("method", format!("one of {}", self.provider.methods().join(", "))));
        }
        let account_id =
            crate::account_in(tx, AccountRef::platform(AccountKind::CommerceEscrow, amount.currency)).await?;
        crate::account_in(tx, AccountRef::platform(AccountKind::ProviderClearing, amount.currency)).await?;
        let id = tx.new_id();
        let new = NewPayment {
            id,
            provider: self.provider.name(),
            purpose: Purpose::Order.as_str(),
            payer_id: payer,
            account_id,
            amount: amount.amount_minor,
            currency: amount.currency.as_str(),
            method,
        };
        rows::insert_payment(tx, &new).await?;
        tx.emit(DomainEvent::PaymentChanged { payment_id: id, status: "created".to_owned() }).await?;
        Ok(id)
    }

    /// Asks the provider to charge a recorded payment and applies its answer (and
    /// the key's outcome). A provider that cannot be reached leaves it `created`,
    /// for the sweep or the payer to resume.
    pub async fn charge(&self, id: Id, return_url: &str, key: Option<&IdempotencyKey>) -> Result<PaymentRecord> {
        let payment = self.get(id).await?;
        let money = Money::new(payment.amount, self.ledger.config().currency);
        self.charge_and_apply(id, money, &payment.method, return_url, key).await
    }

    /// Sends a pending refund through the provider (again, idempotently) and applies the answer.
    async fn settle_refund(&self, refund: &RefundRecord) -> Result<()> {
        let payment = self.get(refund.payment_id).await?;
        let reference =
            payment.provider_ref.clone().ok_or_else(|| Error::internal("a refunded payment has no charge"))?;
        let money = Money::new(refund.amount, self.ledger.config().currency);
        let answer = self.provider.refund(refund.id, &reference, money).await?;
        let mut tx = self.db().begin().await?;
        match answer.status {
            TransferStatus::Succeeded => {
                if rows::finish_refund(&mut tx, refund.id, "succeeded", Some(&answer.reference)).await? {
                    posting::post_hold(&mut tx, refund.hold_id).await?;
                    tx.emit(DomainEvent::RefundChanged {
                        refund_id: refund.id,
                        payment_id: payment.id,
                        status: "succeeded".to_owned(),
                    })
                    .await?;
                }
            }
            TransferStatus::Failed(_) => {
                if rows::finish_refund(&mut tx, refund.id, "failed", Some(&answer.reference)).await? {
                    posting::void_hold(&mut tx, refund.hold_id, false).await?;
                    rows::add_refunded(&mut tx, payment.id, -refund.amount).await?;
                    tx.emit(DomainEvent::RefundChanged {
                        refund_id: refund.id,
                        payment_id: payment.id,
                        status: "failed".to_owned(),
                    })
                    .await?;
                }
            }
            TransferStatus::Pending => {}
        }
        tx.commit().await?;
        Ok(())
    }
}

impl Payments {
    /// Moves a payment forward to what the provider reported ([`apply_charge`]); the
    /// context that answers for the payment's purpose hears of `succeeded` and `declined`.
    async fn apply_charge(&self, tx: &mut Tx, id: Id, reference: &str, status: &ChargeStatus) -> Result<()> {
        apply_charge_with(tx, id, reference, status, &self.outcomes).await
    }
}

/// Moves a top-up forward to what the provider reported (the demo seeder's path);
/// payments of other contexts go through [`Payments`], which tells them.
pub async fn apply_charge(tx: &mut Tx, id: Id, reference: &str, status: &ChargeStatus) -> Result<()> {
    apply_charge_with(tx, id, reference, status, &[]).await
}

/// The move into `succeeded` — which happens at most once — posts the credit.
async fn apply_charge_with(
    tx: &mut Tx,
    id: Id,
    reference: &str,
    status: &ChargeStatus,
    outcomes: &[Arc<dyn PaymentOutcomes>],
) -> Result<()> {
    rows::set_provider_ref(
        tx,
        id,
        reference,
        match status {
            ChargeStatus::RequiresAction { redirect_url } => Some(redirect_url),
            _ => None,
        },
    )
    .await?;
    let open: &[&str] = &["created", "requires_action", "pending"];
    let (to, from, reason): (&str, &[&str], Option<&str>) = match status {
        ChargeStatus::Succeeded => ("succeeded", open, None),
        ChargeStatus::Declined(reason) => ("declined", open, Some(reason)),
        ChargeStatus::Pending => ("pending", &["created", "requires_action"], None),
        ChargeStatus::RequiresAction { .. } => ("requires_action", &["created"], None),
    };
    if !rows::move_payment(tx, id, from, to, reason, None).await? {
        return Ok(());
    }
    if to == "succeeded" {
        let payment = rows::get_payment(tx.conn(), id).await?.ok_or(ErrorCode::PaymentNotFound)?;
        let currency = carmine_core::money::Currency::parse(&payment.currency)
            .ok_or_else(|| Error::internal("a payment has a bad currency"))?;
        let clearing = crate::account_in(tx, AccountRef::platform(AccountKind::ProviderClearing, currency)).await?;
        let legs = [
            Leg { account_id: clearing, currency, amount: -payment.amount },
            Leg { account_id: payment.account_id, currency, amount: payment.amount },
        ];
        let header = Header::new("top_up", "payment", id, payment.purpose.clone());
        let transaction = posting::post(tx, &header, &legs).await?;
        rows::move_payment(tx, id, &["succeeded"], "succeeded", None, Some(transaction)).await?;
    }
    tx.emit(DomainEvent::PaymentChanged { payment_id: id, status: to.to_owned() }).await?;
    if matches!(to, "succeeded" | "declined") {
        let payment = rows::get_payment(tx.conn(), id).await?.ok_or(ErrorCode::PaymentNotFound)?;
        for outcomes in outcomes {
            if outcomes.purpose().as_str() == payment.purpose {
                outcomes.decided(tx, &payment).await?;
            }
        }
    }
    Ok(())
}

/// The provider name (and method) of payments made from a member's coins.
pub const WALLET: &str = "wallet";

/// Records a refund of part or all of a succeeded payment in the caller's
/// transaction: the amount is held on the account the payment credited; the
/// provider is asked after the commit ([`Payments::send_refund`], or the sweep). A
/// payment made from coins is refunded to the coins at once.
pub async fn refund_in(tx: &mut Tx, payment: &PaymentRecord, amount: i64, reason: &str, by: Id) -> Result<Id> {
    posting::check_amount("amount", amount)?;
    if payment.status != "succeeded" {
        return Err(Error::new(ErrorCode::PaymentNotRefundable).with_details(json!({ "status": payment.status })));
    }
    let currency = carmine_core::money::Currency::parse(&payment.currency)
        .ok_or_else(|| Error::internal("a payment has a bad currency"))?;
    if !rows::add_refunded(tx, payment.id, amount).await? {
        return Err(Error::new(ErrorCode::RefundExceedsPayment).with_details(json!({
            "refundable": { "amount_minor": payment.amount - payment.refunded, "currency": payment.currency }
        })));
    }
    // Paid from coins, it goes back to the coins at once; else out through the provider.
    let wallet = payment.provider == WALLET;
    let destination = if wallet {
        AccountRef::new(Owner::User(payment.payer_id), AccountKind::Coins, currency)
    } else {
        AccountRef::platform(AccountKind::ProviderClearing, currency)
    };
    let destination = crate::account_in(tx, destination).await?;
    let id = tx.new_id();
    let legs = [
        Leg { account_id: payment.account_id, currency, amount: -amount },
        Leg { account_id: destination, currency, amount },
    ];
    let header = Header::new("refund", "payment", payment.id, reason);
    let hold_expires = tx.now().plus_seconds(30 * 86_400);
    let hold = posting::hold(tx, &header, &legs, hold_expires).await?;
    let refund = rows::NewRefund {
        id,
        payment_id: payment.id,
        amount,
        currency: currency.as_str(),
        hold_id: hold,
        reason,
        requested_by: by,
    };
    rows::insert_refund(tx, &refund).await?;
    if wallet {
        rows::finish_refund(tx, id, "succeeded", Some(WALLET)).await?;
        posting::post_hold(tx, hold).await?;
        tx.emit(DomainEvent::RefundChanged { refund_id: id, payment_id: payment.id, status: "succeeded".to_owned() })
            .await?;
        return Ok(id);
    }
    tx.emit(DomainEvent::RefundChanged { refund_id: id, payment_id: payment.id, status: "pending".to_owned() }).await?;
    Ok(id)
}
