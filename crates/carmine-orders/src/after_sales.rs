//! After-sales (ADR 0026): a buyer asks, about some units of one line of a received
//! order, for a refund only or a return and refund.
//!
//! - The store's staff approve or reject within 48 hours, or the timer approves.
//! - A refund only is refunded on approval. A return waits for the buyer to ship it
//!   back (7 days, else it closes), then for the store to confirm it arrived (10 days,
//!   else the timer does); the refund follows, and the units may be restocked.
//! - A rejected request may be escalated within 7 days to the operator's arbitration,
//!   who refunds (or asks for the return) or closes it for good; else it closes.
//! - While a request is open its order does not settle.
//!
//! A refund never exceeds what the line paid less what was refunded; it goes back
//! through the provider from the commerce escrow. An order already settled first
//! claws the money back into the escrow (`claw_back`): the line's own commission and
//! creator's commission in proportion to what is refunded of what the line settled
//! at, the coupon subsidy in proportion to what is refunded of the order, and the rest
//! from the merchant — from their earnings while they hold it, else as a debt in
//! `owed_by_merchant` (and `owed_by_creator`), netted at the next settlement. The
//! channel fee stays with the channel.

use std::time::Duration;

use carmine_accounts::Caller;
use carmine_accounts::orgs::OrgAction;
use carmine_core::event::DomainEvent;
use carmine_core::money::Currency;
use carmine_core::text::bounded_text;
use carmine_core::{Error, ErrorCode, Id, Result, Timestamp};
use carmine_jobs::{BoxFuture, JobHandler};
use carmine_ledger::payments::refund_in;
use carmine_ledger::posting::{self, Header, Leg};
use carmine_ledger::{AccountKind, AccountRef, Owner, Stream};
use carmine_store::Tx;
use carmine_store::after_sales::{self as rows, AfterSaleRecord, Move, NewAfterSale};
use carmine_store::fulfilment;
use carmine_store::jobs::JobRecord;
use carmine_store::orders::{self as order_rows, LineRecord, OrderRecord};
use serde_json::json;

use crate::fulfilment::ShipInput;
use crate::{Orders, OrdersConfig, inventory};

/// Longest reason or note, in characters.
pub const REASON_MAX: usize = 500;
const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

/// What a buyer asks for.
#[derive(Clone, Debug)]
pub struct AfterSaleInput {
    pub line_id: Id,
    /// `refund_only` or `return_refund`.
    pub kind: String,
    pub quantity: i64,
    /// Default: the units' share of what the line paid.
    pub amount_minor: Option<i64>,
    pub reason: String,
}

/// A reason or a note: the text rule every form uses (trimmed, several lines allowed).
fn check_text(field: &str, text: &str, required: bool) -> Result<()> {
    bounded_text(field, text, usize::from(required), REASON_MAX, true).map(|_| ())
}

async fn changed(tx: &mut Tx, record: &AfterSaleRecord, status: &str) -> Result<()> {
    tx.emit(DomainEvent::AfterSaleChanged {
        after_sale_id: record.id,
        order_id: record.order_id,
        store_id: record.store_id,
        status: status.to_owned(),
    })
    .await?;
    Ok(())
}

/// The most a request for `quantity` more units of a line may refund: their share of
/// what the line paid (the last units take what is left), within what is not refunded.
pub fn refundable(line: &LineRecord, claimed_units: i64, quantity: i64) -> i64 {
    let share = |units: i64| (i128::from(line.paid_minor) * i128::from(units) / i128::from(line.quantity)) as i64;
    let units = (claimed_units + quantity).min(line.quantity);
    (share(units) - share(claimed_units.min(line.quantity))).min(line.paid_minor - line.refunded_minor).max(0)
}

/// What an account holds that may be taken now.
async fn available(tx: &mut Tx, account: Id) -> Result<i64> {
    let record = carmine_store::ledger::get_account(tx.conn(), account).await?;
    Ok(record.map_or(0, |a| (a.balance - a.pending_debits).max(0)))
}

/// Legs taking `amount` from a party: from its earnings while they hold it, the rest
/// as a debt on its `owed` account.
async fn take_from(tx: &mut Tx, earnings: AccountRef, owed: AccountKind, amount: i64) -> Result<Vec<Leg>> {
    let mut legs = Vec::new();
    if amount <= 0 {
        return Ok(legs);
    }
    let earnings_id = carmine_ledger::account_in(tx, earnings).await?;
    let from_earnings = available(tx, earnings_id).await?.min(amount);
    if from_earnings > 0 {
        legs.push(Leg { account_id: earnings_id, currency: earnings.currency, amount: -from_earnings });
    }
    if amount > from_earnings {
        let owed_id = carmine_ledger::account_in(tx, AccountRef::new(earnings.owner, owed, earnings.currency)).await?;
        legs.push(Leg { account_id: owed_id, currency: earnings.currency, amount: -(amount - from_earnings) });
    }
    Ok(legs)
}

/// The parts of a settled order a refund of `amount` takes back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clawback {
    pub commission: i64,
    pub subsidy: i64,
    pub affiliate: i64,
    pub merchant: i64,
}

/// What one line of a settled order settled at, and what of it was refunded since.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SettledLine {
    /// What the buyer had paid for the line at settlement, less refunds then.
    pub base: i64,
    /// The line's part of the order's commission.
    pub commission: i64,
    /// Refunded of the line after settlement, before this refund.
    pub refunded: i64,
    /// The creator's commission on the line: (earned, clawed back so far).
    pub affiliate: Option<(i64, i64)>,
}

/// The clawback for refunding `amount` more of a settled order's line. The line's
/// own commission and affiliate commission come back in proportion to what of its
/// base is refunded, the platform coupon's subsidy in proportion to the order's
/// escrow (as it is paid); the merchant returns the rest. Parts are cumulative
/// shares rounded down, so refunding everything takes back exactly what was paid out.
pub fn clawback(settlement: &fulfilment::SettlementRecord, amount: i64, line: &SettledLine) -> Clawback {
    let pro = |part: i64, to: i64, of: i64| (i128::from(part) * i128::from(to) / i128::from(of.max(1))) as i64;
    let escrow = settlement.escrow_minor.max(1);
    let (order_before, order_after) =
        (settlement.clawed_back_minor, (settlement.clawed_back_minor + amount).min(escrow));
    let subsidy =
        pro(settlement.subsidy_minor, order_after, escrow) - pro(settlement.subsidy_minor, order_before, escrow);
    let base = line.base.max(0);
    let (before, after) = (line.refunded.clamp(0, base), (line.refunded + amount).clamp(0, base));
    let mut commission = pro(line.commission, after, base) - pro(line.commission, before, base);
    let affiliate =
        line.affiliate.map_or(0, |(earned, clawed)| (pro(earned, after, base) - clawed).clamp(0, earned - clawed));
    let mut merchant = amount + subsidy - commission - affiliate;
    if merchant < 0 {
        commission += merchant;
        merchant = 0;
    }
    Clawback { commission, subsidy, affiliate, merchant }
}

/// Takes back into the escrow what refunding `amount` of a settled order's line
/// needs (see the module's header). `line` is the line before this refund.
async fn claw_back(tx: &mut Tx, order: &OrderRecord, line: &LineRecord, amount: i64) -> Result<()> {
    let settlement =
        fulfilment::get_settlement(tx.conn(), order.id).await?.ok_or_else(|| Error::internal("no settlement"))?;
    let currency = Currency::parse(&order.currency).ok_or_else(|| Error::internal("an order has a bad currency"))?;
    let affiliate = fulfilment::line_affiliate(tx.conn(), line.id).await?;
    // Orders settled before lines kept their figures: the line's full rate on what it paid.
    let (base, commission) = fulfilment::line_settled(tx.conn(), line.id).await?.unwrap_or_else(|| {
        let full = i128::from(line.paid_minor) * i128::from(line.commission_bps) / 10_000;
        (line.paid_minor, (full as i64).min(settlement.commission_minor))
    });
    let settled_line = SettledLine {
        base,
        commission,
        refunded: (line.refunded_minor - (line.paid_minor - base)).max(0),
        affiliate: affiliate.map(|(_, earned, _, clawed)| (earned, clawed)),
    };
    let parts = clawback(&settlement, amount, &settled_line);
    let org = fulfilment::store_standing(tx.conn(), order.store_id)
        .await?
        .ok_or_else(|| Error::internal("an order lost its store"))?
        .org_id;
    let platform = |kind| AccountRef::platform(kind, currency);
    let mut legs = Vec::new();
    for (kind, delta) in [
        (AccountKind::CommerceEscrow, amount),
        (AccountKind::CouponSubsidy, parts.subsidy),
        (AccountKind::Revenue(Stream::CommerceCommissions), -parts.commission),
    ] {
        if delta != 0 {
            legs.push(Leg {
                account_id: carmine_ledger::account_in(tx, platform(kind)).await?,
                currency,
                amount: delta,
            });
        }
    }
    let merchant = AccountRef::new(Owner::Org(org), AccountKind::Earnings, currency);
    legs.extend(take_from(tx, merchant, AccountKind::OwedByMerchant, parts.merchant).await?);
    if let Some((creator, ..)) = affiliate
        && parts.affiliate > 0
    {
        let earnings = AccountRef::new(Owner::User(creator), AccountKind::Earnings, currency);
        legs.extend(take_from(tx, earnings, AccountKind::OwedByCreator, parts.affiliate).await?);
        if !fulfilment::add_affiliate_clawed_back(tx, line.id, parts.affiliate).await? {
            return Err(Error::internal("an affiliate clawback passed what was earned"));
        }
    }
    posting::post(tx, &Header::new("clawback", "order", order.id, "refund after settlement"), &legs).await?;
    if !fulfilment::add_settlement_clawed_back(tx, order.id, amount).await? {
        return Err(Error::new(ErrorCode::RefundExceedsPayment));
    }
    Ok(())
}

/// Refunds `amount` of a line to the buyer (clawing it back first if the order has
/// settled); returns the refund to send to the provider after the commit.
async fn refund_line(tx: &mut Tx, record: &AfterSaleRecord) -> Result<Id> {
    let line_of = async |tx: &mut Tx| -> Result<LineRecord> {
        order_rows::lines(tx.conn(), &[record.order_id])
            .await?
            .into_iter()
            .find(|l| l.id == record.line_id)
            .ok_or_else(|| Error::internal("an after-sale lost its line"))
    };
    let line = line_of(tx).await?;
    let amount = record.amount_minor.min(line.paid_minor - line.refunded_minor);
    // The order's row first (as settlement takes it): on PostgreSQL a settlement running
    // now commits before this reads the order's status, so the money is clawed back
    // from where it went rather than taken twice from the escrow.
    if amount <= 0
        || !order_rows::add_order_refunded(tx, record.order_id, amount).await?
        || !fulfilment::add_line_refunded(tx, record.line_id, amount).await?
    {
        return Err(Error::new(ErrorCode::RefundExceedsPayment));
    }
    let order = order_rows::get_order(tx.conn(), record.order_id).await?.ok_or(ErrorCode::OrderNotFound)?;
    if order.status == "settled" {
        let mut before = line_of(tx).await?;
        before.refunded_minor -= amount;
        claw_back(tx, &order, &before, amount).await?;
    }
    let group = order_rows::get_group(tx.conn(), order.group_id).await?.ok_or(ErrorCode::OrderNotFound)?;
    let payment_id = group.payment_id.ok_or_else(|| Error::internal("a paid group has no payment"))?;
    let payment =
        carmine_store::payments::get_payment(tx.conn(), payment_id).await?.ok_or(ErrorCode::PaymentNotFound)?;
    refund_in(tx, &payment, amount, "after_sale", record.buyer_id).await
}

/// Puts returned units back on hand in the warehouse the line took most from.
async fn restock(tx: &mut Tx, record: &AfterSaleRecord) -> Result<()> {
    let lines = order_rows::lines(tx.conn(), &[record.order_id]).await?;
    let Some(line) = lines.iter().find(|l| l.id == record.line_id) else { return Ok(()) };
    inventory::lock_products(tx, &[line.product_id]).await?;
    let from = order_rows::order_stock(tx, record.order_id)
        .await?
        .into_iter()
        .filter(|(line_id, ..)| *line_id == line.id)
        .max_by_key(|(.., units)| *units);
    if let Some((_, sku_id, warehouse_id, _)) = from {
        fulfilment::restock(tx, sku_id, warehouse_id, record.quantity).await?;
    }
    inventory::refresh(tx, &[line.product_id]).await
}

/// Moves a request and announces it; `after_sale_not_open` if it had moved on.
async fn move_or_refuse(tx: &mut Tx, record: &AfterSaleRecord, from: &[&str], to: &str, m: &Move<'_>) -> Result<()> {
    if !rows::move_to(tx, record.id, from, to, m).await? {
        return Err(Error::new(ErrorCode::AfterSaleNotOpen).with_details(json!({ "status": record.status })));
    }
    changed(tx, record, to).await
}

/// Approves a request (by the store, the timer or the operator): a refund only is
/// refunded now; a return waits for the buyer to ship it. Returns a refund to send.
async fn approve(
    tx: &mut Tx,
    config: &OrdersConfig,
    record: &AfterSaleRecord,
    from: &[&str],
    by: &str,
    operator_note: Option<&str>,
) -> Result<Option<Id>> {
    if record.kind == "refund_only" {
        let refund = refund_line(tx, record).await?;
        let m = Move { decided_by: Some(by), refund_id: Some(refund), operator_note, ..Move::default() };
        move_or_refuse(tx, record, from, "refunded", &m).await?;
        return Ok(Some(refund));
    }
    let due = tx.now().plus_seconds(config.return_ship_days * DAY);
    let m = Move { due_at: Some(due), decided_by: Some(by), operator_note, ..Move::default() };
    move_or_refuse(tx, record, from, "awaiting_return", &m).await?;
    Ok(None)
}

/// The returned units arrived (the store says so, or the timer): refunded, and
/// restocked if asked.
async fn received_back(tx: &mut Tx, record: &AfterSaleRecord, by: &str, restocked: bool) -> Result<Id> {
    let refund = refund_line(tx, record).await?;
    if restocked {
        restock(tx, record).await?;
    }
    let m = Move { decided_by: Some(by), refund_id: Some(refund), restocked, ..Move::default() };
    move_or_refuse(tx, record, &["returned"], "refunded", &m).await?;
    Ok(refund)
}

/// `orders.after_sales`, every minute: requests whose timer ran out (up to 200 a run)
/// — unanswered ones approved, returns never shipped closed, returns never confirmed
/// received, rejections never escalated closed.
pub struct AfterSaleTimers {
    pub config: OrdersConfig,
}

impl JobHandler for AfterSaleTimers {
    fn kind(&self) -> &'static str {
        "orders.after_sales"
    }

    fn every(&self) -> Option<Duration> {
        Some(Duration::from_secs(60))
    }

    fn run<'a>(&'a self, tx: &'a mut Tx, _: &'a JobRecord) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let now = tx.now();
            for record in rows::due(tx.conn(), now, 200).await? {
                let status = record.status.clone();
                tx.savepoint().await?;
                let done = match status.as_str() {
                    "requested" => approve(tx, &self.config, &record, &["requested"], "timer", None).await.map(|_| ()),
                    "returned" => received_back(tx, &record, "timer", false).await.map(|_| ()),
                    "awaiting_return" | "rejected" => {
                        let m = Move { decided_by: Some("timer"), ..Move::default() };
                        move_or_refuse(tx, &record, &[status.as_str()], "closed", &m).await
                    }
                    _ => Ok(()),
                };
                match done {
                    Ok(()) => tx.release_savepoint().await?,
                    Err(error) => {
                        tx.rollback_to_savepoint().await?;
                        tracing::warn!(after_sale = %record.id, error = %error, "an after-sale timer could not act");
                    }
                }
            }
            // Refunds recorded here are sent by the payments sweep.
            Ok(())
        })
    }
}

impl Orders {
    /// After the commit: asks the provider to pay refunds out (the sweep retries).
    async fn send_refunds(&self, refunds: impl IntoIterator<Item = Id>) {
        for refund in refunds {
            if let Err(error) = self.payments.send_refund(refund).await {
                tracing::warn!(refund = %refund, error = %error, "an after-sale refund waits for the sweep");
            }
        }
    }

    /// The buyer asks about some units of a line of one of their received orders.
    pub async fn request_after_sale(&self, buyer: Id, order_id: Id, input: &AfterSaleInput) -> Result<AfterSaleRecord> {
        let detail = self.order(buyer, order_id).await?;
        let order = &detail.order;
        let line = detail
            .lines
            .iter()
            .find(|l| l.id == input.line_id)
            .ok_or_else(|| Error::invalid_field("line_id", "a line of this order"))?;
        if !["refund_only", "return_refund"].contains(&input.kind.as_str()) {
            return Err(Error::invalid_field("kind", "refund_only or return_refund"));
        }
        check_text("reason", &input.reason, true)?;
        let Some(received_at) = order
            .fulfilment
            .received_at
            .filter(|_| ["received", "completed", "settled"].contains(&order.status.as_str()))
        else {
            return Err(Error::new(ErrorCode::AfterSaleNotAllowed).with_details(json!({ "status": order.status })));
        };
        if detail.group.imported() {
            // Imported history: its money moved before the import (see `imported`).
            return Err(Error::new(ErrorCode::AfterSaleNotAllowed).with_details(json!({ "imported": true })));
        }
        let mut conn = self.db.reader().await?;
        let window_days = if input.kind == "return_refund" {
            if !line.returnable {
                return Err(Error::new(ErrorCode::AfterSaleNotAllowed).with_details(json!({ "returnable": false })));
            }
            carmine_store::stores::get(&mut conn, order.store_id).await?.map_or(0, |s| s.return_days)
        } else {
            self.config.after_sale_days
        };
        let closes = received_at.plus_seconds(window_days * DAY);
        if self.db.now() >= closes {
            return Err(
                Error::new(ErrorCode::AfterSaleWindowClosed).with_details(json!({ "closed_at": closes.to_rfc3339() }))
            );
        }
        let claimed = rows::units_claimed(&mut conn, line.id).await?;
        let left = line.quantity - claimed;
        if input.quantity < 1 || input.quantity > left {
            return Err(Error::invalid_field("quantity", format!("1 to {left}")));
        }
        let most = refundable(line, claimed, input.quantity);
        let amount = input.amount_minor.unwrap_or(most);
        if amount < 1 || amount > most {
            return Err(Error::new(ErrorCode::RefundExceedsPayment).with_details(json!({
                "refundable": { "amount_minor": most, "currency": order.currency }
            })));
        }
        drop(conn);
        let mut tx = self.db.begin().await?;
        let new = NewAfterSale {
            id: tx.new_id(),
            order_id,
            line_id: line.id,
            store_id: order.store_id,
            buyer_id: buyer,
            kind: &input.kind,
            quantity: input.quantity,
            amount_minor: amount,
            reason: input.reason.trim(),
            due_at: tx.now().plus_seconds(self.config.answer_hours * HOUR),
        };
        rows::insert(&mut tx, &new).await?;
        // Counted again under the write: two requests at once cannot both take the units.
        if rows::units_claimed(tx.conn(), line.id).await? > line.quantity {
            return Err(Error::invalid_field("quantity", format!("1 to {left}")));
        }
        let record = rows::get(tx.conn(), new.id).await?.ok_or_else(|| Error::internal("lost an after-sale"))?;
        changed(&mut tx, &record, "requested").await?;
        tx.commit().await?;
        Ok(record)
    }

    /// An order's after-sale requests, for its buyer.
    pub async fn order_after_sales(&self, buyer: Id, order_id: Id) -> Result<Vec<AfterSaleRecord>> {
        self.order(buyer, order_id).await?;
        Ok(rows::of_order(&mut *self.db.reader().await?, order_id).await?)
    }

    /// One of the buyer's requests (`after_sale_not_found` for anyone else's).
    pub async fn buyer_after_sale(&self, buyer: Id, id: Id) -> Result<AfterSaleRecord> {
        rows::get(&mut *self.db.reader().await?, id)
            .await?
            .filter(|r| r.buyer_id == buyer)
            .ok_or_else(|| Error::new(ErrorCode::AfterSaleNotFound))
    }

    /// One of a store's requests, for its staff allowed `action`.
    pub async fn store_after_sale(
        &self,
        caller: &Caller,
        store_id: Id,
        id: Id,
        action: OrgAction,
    ) -> Result<AfterSaleRecord> {
        self.commerce.authorize_store(caller, store_id, action).await?;
        rows::get(&mut *self.db.reader().await?, id)
            .await?
            .filter(|r| r.store_id == store_id)
            .ok_or_else(|| Error::new(ErrorCode::AfterSaleNotFound))
    }

    /// The buyer withdraws a request still open.
    pub async fn cancel_after_sale(&self, buyer: Id, id: Id) -> Result<AfterSaleRecord> {
        let record = self.buyer_after_sale(buyer, id).await?;
        let mut tx = self.db.begin().await?;
        let m = Move { decided_by: Some("buyer"), ..Move::default() };
        let from: &[&str] = match record.status.as_str() {
            "awaiting_return" | "rejected" => &["awaiting_return", "rejected"],
            _ => &["requested"],
        };
        move_or_refuse(&mut tx, &record, from, "cancelled", &m).await?;
        tx.commit().await?;
        self.buyer_after_sale(buyer, id).await
    }

    /// The buyer ships a return back, with its tracking number.
    pub async fn ship_return(&self, buyer: Id, id: Id, shipment: &ShipInput) -> Result<AfterSaleRecord> {
        let record = self.buyer_after_sale(buyer, id).await?;
        shipment.validate(self.logistics.as_ref())?;
        let tracking = shipment.tracking_no.as_str();
        let mut tx = self.db.begin().await?;
        let due = tx.now().plus_seconds(self.config.return_confirm_days * DAY);
        let m = Move { due_at: Some(due), return_shipment: Some((&shipment.carrier, tracking)), ..Move::default() };
        move_or_refuse(&mut tx, &record, &["awaiting_return"], "returned", &m).await?;
        tx.commit().await?;
        self.buyer_after_sale(buyer, id).await
    }

    /// The buyer takes a rejected request to the operator, within its time.
    pub async fn escalate_after_sale(&self, buyer: Id, id: Id) -> Result<AfterSaleRecord> {
        let record = self.buyer_after_sale(buyer, id).await?;
        let mut tx = self.db.begin().await?;
        move_or_refuse(&mut tx, &record, &["rejected"], "arbitration", &Move::default()).await?;
        tx.commit().await?;
        self.buyer_after_sale(buyer, id).await
    }

    /// A store's requests, newest first (`limit + 1`: the extra one says there is more).
    pub async fn store_after_sales(
        &self,
        caller: &Caller,
        store_id: Id,
        status: Option<&str>,
        before: Option<Id>,
        limit: u32,
    ) -> Result<Vec<AfterSaleRecord>> {
        self.commerce.authorize_store(caller, store_id, OrgAction::ViewStore).await?;
        Ok(rows::list(&mut *self.db.reader().await?, Some(store_id), status, before, limit + 1).await?)
    }

    /// The store approves a request.
    pub async fn approve_after_sale(&self, caller: &Caller, store_id: Id, id: Id) -> Result<AfterSaleRecord> {
        let record = self.store_after_sale(caller, store_id, id, OrgAction::FulfilOrders).await?;
        let mut tx = self.db.begin().await?;
        let refund = approve(&mut tx, &self.config, &record, &["requested"], "merchant", None).await?;
        self.commerce.commit(tx).await?;
        self.send_refunds(refund).await;
        Ok(rows::get(&mut *self.db.reader().await?, id).await?.ok_or(ErrorCode::AfterSaleNotFound)?)
    }

    /// The store rejects a request, saying why; the buyer may escalate it.
    pub async fn reject_after_sale(
        &self,
        caller: &Caller,
        store_id: Id,
        id: Id,
        note: &str,
    ) -> Result<AfterSaleRecord> {
        let record = self.store_after_sale(caller, store_id, id, OrgAction::FulfilOrders).await?;
        check_text("note", note, true)?;
        let mut tx = self.db.begin().await?;
        let due = tx.now().plus_seconds(self.config.escalate_days * DAY);
        let m = Move {
            due_at: Some(due),
            decided_by: Some("merchant"),
            merchant_note: Some(note.trim()),
            ..Move::default()
        };
        move_or_refuse(&mut tx, &record, &["requested"], "rejected", &m).await?;
        tx.commit().await?;
        Ok(rows::get(&mut *self.db.reader().await?, id).await?.ok_or(ErrorCode::AfterSaleNotFound)?)
    }

    /// The store confirms a return arrived: refunded, and restocked if asked.
    pub async fn confirm_return(
        &self,
        caller: &Caller,
        store_id: Id,
        id: Id,
        restock: bool,
    ) -> Result<AfterSaleRecord> {
        let record = self.store_after_sale(caller, store_id, id, OrgAction::FulfilOrders).await?;
        if record.status != "returned" {
            return Err(Error::new(ErrorCode::AfterSaleNotOpen).with_details(json!({ "status": record.status })));
        }
        let mut tx = self.db.begin().await?;
        let refund = received_back(&mut tx, &record, "merchant", restock).await?;
        self.commerce.commit(tx).await?;
        self.send_refunds([refund]).await;
        Ok(rows::get(&mut *self.db.reader().await?, id).await?.ok_or(ErrorCode::AfterSaleNotFound)?)
    }

    /// The operator's arbitration queue, newest first.
    pub async fn arbitration_queue(&self, before: Option<Id>, limit: u32) -> Result<Vec<AfterSaleRecord>> {
        Ok(rows::list(&mut *self.db.reader().await?, None, Some("arbitration"), before, limit + 1).await?)
    }

    /// Any request, for the operator.
    pub async fn after_sale(&self, id: Id) -> Result<AfterSaleRecord> {
        rows::get(&mut *self.db.reader().await?, id).await?.ok_or_else(|| Error::new(ErrorCode::AfterSaleNotFound))
    }

    /// The operator decides an escalated request: for the buyer (a refund, or the
    /// return first) or for the store (closed for good).
    pub async fn decide_arbitration(&self, for_buyer: bool, id: Id, note: &str) -> Result<AfterSaleRecord> {
        check_text("note", note, true)?;
        let record = self.after_sale(id).await?;
        let mut tx = self.db.begin().await?;
        let mut refund = None;
        if for_buyer {
            let note = Some(note.trim());
            refund = approve(&mut tx, &self.config, &record, &["arbitration"], "operator", note).await?;
        } else {
            let m = Move { decided_by: Some("operator"), operator_note: Some(note.trim()), ..Move::default() };
            move_or_refuse(&mut tx, &record, &["arbitration"], "closed", &m).await?;
        }
        self.commerce.commit(tx).await?;
        self.send_refunds(refund).await;
        self.after_sale(id).await
    }

    /// Whether the order has a request that holds its settlement back.
    pub async fn has_open_after_sale(&self, order_id: Id) -> Result<bool> {
        let all = rows::of_order(&mut *self.db.reader().await?, order_id).await?;
        Ok(all.iter().any(|r| rows::OPEN.contains(&r.status.as_str())))
    }
}

/// When a request's timer acts, for the pages: "by 12月6日".
pub fn due(record: &AfterSaleRecord) -> Option<Timestamp> {
    record.due_at.filter(|_| rows::OPEN.contains(&record.status.as_str()) && record.status != "arbitration")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settled(escrow: i64, commission: i64, subsidy: i64) -> fulfilment::SettlementRecord {
        fulfilment::SettlementRecord {
            order_id: Id::from_i64(1),
            store_id: Id::from_i64(1),
            currency: "CNY".into(),
            escrow_minor: escrow,
            subsidy_minor: subsidy,
            fee_minor: 0,
            commission_minor: commission,
            commission_free_minor: 0,
            affiliate_minor: 0,
            merchant_minor: escrow + subsidy - commission,
            netted_minor: 0,
            clawed_back_minor: 0,
            settled_at: Timestamp(0),
        }
    }

    #[test]
    fn refunding_a_line_in_pieces_takes_back_exactly_its_own_commission() {
        // Two lines: ¥80.01 at 5 % (commission 400) and ¥20 at 10 % (200), ¥9.97 coupon subsidy.
        let mut s = settled(10_001, 600, 997);
        let (mut commission, mut subsidy, mut affiliate, mut merchant) = (0, 0, 0, 0);
        let mut line = SettledLine { base: 8_001, commission: 400, refunded: 0, affiliate: Some((800, 0)) };
        for piece in [2_667, 2_667, 2_667] {
            let parts = clawback(&s, piece, &line);
            assert_eq!(parts.commission + parts.affiliate + parts.merchant, piece + parts.subsidy);
            commission += parts.commission;
            subsidy += parts.subsidy;
            affiliate += parts.affiliate;
            merchant += parts.merchant;
            s.clawed_back_minor += piece;
            line.refunded += piece;
            line.affiliate = Some((800, affiliate));
        }
        // The line's own commission and the creator's, not the other line's.
        assert_eq!((commission, affiliate), (400, 800));
        assert_eq!(subsidy, 997 * 8_001 / 10_001);
        assert_eq!(merchant, 8_001 + subsidy - 400 - 800);
        // The other line, refunded in full, takes back the rest of the order's.
        let other = SettledLine { base: 2_000, commission: 200, refunded: 0, affiliate: None };
        let parts = clawback(&s, 2_000, &other);
        assert_eq!((parts.commission, subsidy + parts.subsidy), (200, 997));
    }

    #[test]
    fn a_units_share_of_a_line_leaves_the_last_unit_what_is_left() {
        let line = LineRecord {
            id: Id::from_i64(1),
            order_id: Id::from_i64(1),
            product_id: Id::from_i64(1),
            sku_id: Id::from_i64(1),
            title: String::new(),
            option_label: String::new(),
            sku_code: String::new(),
            cover: None,
            quantity: 3,
            unit_price_minor: 3_400,
            discount_minor: 200,
            paid_minor: 10_000,
            commission_bps: 0,
            affiliate: None,
            affiliate_bps: 0,
            returnable: true,
            sale_id: None,
            refunded_minor: 0,
        };
        assert_eq!(refundable(&line, 0, 1), 3_333);
        assert_eq!(refundable(&line, 1, 1), 3_333);
        assert_eq!(refundable(&line, 2, 1), 3_334);
        assert_eq!(refundable(&line, 0, 3), 10_000);
        assert_eq!(refundable(&line, 3, 1), 0);
    }
}
