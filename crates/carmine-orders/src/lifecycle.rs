//! An order's life so far: paid, expired unpaid, cancelled, paid again after a
//! decline.
//!
//! - **Paid.** The payment's move into `succeeded` (`carmine-ledger` posts the
//!   money into the platform's commerce escrow) moves the group's orders from
//!   `pending_payment` to `awaiting_shipment` in the same transaction.
//! - **Expired.** `orders.expire_unpaid` cancels orders still unpaid at `pay_by`
//!   and releases their units. Payment and expiry are conditional updates from
//!   `pending_payment`: exactly one wins.
//! - **Late payment.** Money arriving after its order expired takes the units again
//!   if they are still free (the order is revived, paid); if they were sold
//!   meanwhile, the order's total is refunded to the buyer automatically (a
//!   shortfall). Money for an order the buyer cancelled is refunded the same way.
//! - **Cancelled by the buyer.** Before payment, the whole group (one payment pays
//!   it); after payment and before shipment, one order, refunded in full.

use std::time::Duration;

use carmine_core::event::DomainEvent;
use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_jobs::{BoxFuture, JobHandler};
use carmine_ledger::idempotency::{self, IdempotencyKey, Outcome, Prior};
use carmine_ledger::payments::{PaymentOutcomes, Purpose, refund_in};
use carmine_ledger::provider::BoxFuture as LedgerFuture;
use carmine_store::Tx;
use carmine_store::coupons as coupon_rows;
use carmine_store::jobs::JobRecord;
use carmine_store::orders::{self as rows, OrderRecord};
use carmine_store::payments::PaymentRecord;
use carmine_store::sales;

use crate::checkout::Placed;
use crate::{Orders, inventory};

/// Answers for payments of purpose `order` (registered with `Payments::with_outcomes`).
pub struct OrderPayments;

impl PaymentOutcomes for OrderPayments {
    fn purpose(&self) -> Purpose {
        Purpose::Order
    }

    fn decided<'a>(&'a self, tx: &'a mut Tx, payment: &'a PaymentRecord) -> LedgerFuture<'a, Result<()>> {
        Box::pin(async move {
            if payment.status == "succeeded" {
                paid(tx, payment).await?;
            }
            // A decline leaves the orders waiting: the buyer may pay again until `pay_by`.
            Ok(())
        })
    }
}

async fn changed(tx: &mut Tx, order: &OrderRecord, status: &str) -> Result<()> {
    tx.emit(DomainEvent::OrderChanged { order_id: order.id, store_id: order.store_id, status: status.to_owned() })
        .await?;
    Ok(())
}

/// Gives back what a cancelled order spent: its store's coupon, and the platform's
/// once every order of the checkout is cancelled.
async fn give_back_coupons(tx: &mut Tx, order: &OrderRecord) -> Result<()> {
    let spent = coupon_rows::spent_on(tx.conn(), order.group_id).await?;
    if spent.is_empty() {
        return Ok(());
    }
    let all_cancelled = rows::group_orders(tx.conn(), order.group_id).await?.iter().all(|o| o.status == "cancelled");
    for coupon in spent.iter().filter(|c| c.status == "used") {
        let back = match coupon.coupon.store_id {
            Some(store_id) => store_id == order.store_id,
            None => all_cancelled,
        };
        if back {
            coupon_rows::give_back(tx, coupon.id, order.group_id).await?;
        }
    }
    Ok(())
}

/// A revived order takes back the coupons it was given back, where they were not
/// spent elsewhere meanwhile (then the discount stands unpaid for: logged).
async fn spend_coupons_again(tx: &mut Tx, order: &OrderRecord) -> Result<()> {
    for coupon in coupon_rows::spent_on(tx.conn(), order.group_id).await? {
        let ours = coupon.coupon.store_id.is_none_or(|s| s == order.store_id);
        if ours && coupon.status == "available" && !coupon_rows::spend_again(tx, coupon.id, order.group_id).await? {
            tracing::warn!(order = %order.id, coupon = %coupon.id, "a revived order's coupon was spent elsewhere");
        }
    }
    Ok(())
}

/// Gives back the sale units a cancelled order held.
async fn give_back_sale_units(tx: &mut Tx, order: &OrderRecord) -> Result<()> {
    for line in rows::lines(tx.conn(), &[order.id]).await? {
        if let Some(sale_id) = line.sale_id {
            sales::give_back(tx, sale_id, order.buyer_id, line.quantity).await?;
        }
    }
    Ok(())
}

/// A revived order takes its sale units again where the sale has them (else the
/// price stands: logged).
async fn take_sale_units_again(tx: &mut Tx, order: &OrderRecord) -> Result<()> {
    for line in rows::lines(tx.conn(), &[order.id]).await? {
        if let Some(sale_id) = line.sale_id
            && !sales::take(tx, sale_id, order.buyer_id, line.quantity).await?
        {
            tracing::warn!(order = %order.id, sale = %sale_id, "a revived order's sale units were sold meanwhile");
        }
    }
    Ok(())
}

/// Counts orders' units on their products' sales counters (`sign` -1 takes them
/// off), the products locked first in ascending id order as every stock writer does
/// (a payment touching them in its lines' order deadlocked against checkouts on
/// PostgreSQL).
async fn count_units_sold(tx: &mut Tx, order_ids: &[Id], sign: i64) -> Result<()> {
    let lines = rows::lines(tx.conn(), order_ids).await?;
    let product_ids: Vec<Id> = lines.iter().map(|l| l.product_id).collect();
    inventory::lock_products(tx, &product_ids).await?;
    for line in lines {
        rows::add_sales(tx, line.product_id, sign * line.quantity).await?;
    }
    Ok(())
}

/// A payment for a group succeeded: its orders are paid, revived, or refunded.
async fn paid(tx: &mut Tx, payment: &PaymentRecord) -> Result<()> {
    let Some(group) = rows::group_by_payment(tx.conn(), payment.id).await? else {
        tracing::warn!(payment = %payment.id, "an order payment succeeded for no order group");
        return Ok(());
    };
    // The orders' rows first (as an expiry or a cancellation takes them), then their
    // products, all at once and in ascending order, for the sales counters.
    let mut sold = Vec::new();
    for order in rows::group_orders(tx.conn(), group.id).await? {
        if rows::mark_paid(tx, order.id).await? {
            sold.push(order.id);
            changed(tx, &order, "awaiting_shipment").await?;
            continue;
        }
        // Not waiting any more: read it again, as the update that lost found it (on
        // PostgreSQL an expiry may have committed while this transaction waited).
        let Some(order) = rows::get_order(tx.conn(), order.id).await? else { continue };
        if order.status == "cancelled"
            && order.cancel_reason.as_deref() == Some("expired")
            && revive(tx, &order).await?
        {
            tracing::info!(order = %order.id, "a late payment found its units still free");
            spend_coupons_again(tx, &order).await?;
            take_sale_units_again(tx, &order).await?;
            sold.push(order.id);
            changed(tx, &order, "awaiting_shipment").await?;
            continue;
        }
        if order.status == "cancelled" {
            let owed = order.total_minor - order.refunded_minor;
            if owed > 0 {
                tracing::info!(order = %order.id, owed, "money arrived for a cancelled order: refunding it");
                refund_in(tx, payment, owed, "order_cancelled_before_payment", order.buyer_id).await?;
                rows::add_order_refunded(tx, order.id, owed).await?;
                changed(tx, &order, "cancelled").await?;
            }
        }
    }
    if !sold.is_empty() {
        count_units_sold(tx, &sold, 1).await?;
    }
    Ok(())
}

/// Reserves an expired order's units again and marks it paid; false (nothing
/// kept) when some are no longer free.
async fn revive(tx: &mut Tx, order: &OrderRecord) -> Result<bool> {
    let lines = rows::lines(tx.conn(), &[order.id]).await?;
    let product_ids: Vec<Id> = lines.iter().map(|l| l.product_id).collect();
    tx.savepoint().await?;
    inventory::lock_products(tx, &product_ids).await?;
    for line in &lines {
        rows::clear_line_stock(tx, line.id).await?;
        let Some(taken) = inventory::reserve(tx, line.sku_id, line.quantity).await? else {
            tx.rollback_to_savepoint().await?;
            return Ok(false);
        };
        for (warehouse_id, units) in taken {
            rows::insert_line_stock(tx, line.id, line.sku_id, warehouse_id, units).await?;
        }
    }
    if !rows::revive_paid(tx, order.id).await? {
        tx.rollback_to_savepoint().await?;
        return Ok(false);
    }
    inventory::refresh(tx, &product_ids).await?;
    tx.release_savepoint().await?;
    Ok(true)
}

/// Cancels an unpaid order whose time to pay has passed (false if a payment or the
/// buyer got there first) and releases its units.
pub async fn expire(tx: &mut Tx, order_id: Id) -> Result<bool> {
    let Some(order) = rows::get_order(tx.conn(), order_id).await? else { return Ok(false) };
    if order.pay_by > tx.now() || !rows::cancel(tx, order_id, &["pending_payment"], "expired").await? {
        return Ok(false);
    }
    inventory::release_order(tx, order_id).await?;
    give_back_coupons(tx, &order).await?;
    give_back_sale_units(tx, &order).await?;
    changed(tx, &order, "cancelled").await?;
    Ok(true)
}

/// `orders.expire_unpaid`, every minute: unpaid orders past `pay_by` (up to 200 a run).
pub struct ExpireUnpaid;

impl JobHandler for ExpireUnpaid {
    fn kind(&self) -> &'static str {
        "orders.expire_unpaid"
    }

    fn every(&self) -> Option<Duration> {
        Some(Duration::from_secs(60))
    }

    fn run<'a>(&'a self, tx: &'a mut Tx, _: &'a JobRecord) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let now = tx.now();
            let due = rows::overdue_orders(tx.conn(), now, 200).await?;
            let mut expired = 0;
            for order_id in due {
                expired += usize::from(expire(tx, order_id).await?);
            }
            if expired > 0 {
                tracing::info!(expired, "released the units of unpaid orders");
            }
            Ok(())
        })
    }
}

impl Orders {
    /// The buyer cancels: before payment, every unpaid order of the group; after
    /// payment and before shipment, this order, refunded in full.
    pub async fn cancel(&self, buyer: Id, order_id: Id) -> Result<OrderRecord> {
        let order = self.order(buyer, order_id).await?.order;
        let mut refund = None;
        let mut tx = self.db.begin().await?;
        match order.status.as_str() {
            "pending_payment" => {
                let mut cancelled = 0;
                for sibling in rows::group_orders(tx.conn(), order.group_id).await? {
                    if rows::cancel(&mut tx, sibling.id, &["pending_payment"], "buyer").await? {
                        inventory::release_order(&mut tx, sibling.id).await?;
                        give_back_coupons(&mut tx, &sibling).await?;
                        give_back_sale_units(&mut tx, &sibling).await?;
                        changed(&mut tx, &sibling, "cancelled").await?;
                        cancelled += 1;
                    }
                }
                if cancelled == 0 {
                    return Err(Error::new(ErrorCode::OrderNotCancellable));
                }
            }
            "awaiting_shipment" => {
                if !rows::cancel(&mut tx, order.id, &["awaiting_shipment"], "buyer").await? {
                    return Err(Error::new(ErrorCode::OrderNotCancellable));
                }
                // Money first, then stock: the lock order of a payment's transaction.
                let group = rows::get_group(tx.conn(), order.group_id).await?.ok_or(ErrorCode::OrderNotFound)?;
                let payment_id = group.payment_id.ok_or_else(|| Error::internal("a paid group has no payment"))?;
                let payment = carmine_store::payments::get_payment(tx.conn(), payment_id)
                    .await?
                    .ok_or(ErrorCode::PaymentNotFound)?;
                let owed = order.total_minor - order.refunded_minor;
                if owed > 0 {
                    refund = Some(refund_in(&mut tx, &payment, owed, "order_cancelled", buyer).await?);
                    rows::add_order_refunded(&mut tx, order.id, owed).await?;
                }
                count_units_sold(&mut tx, &[order.id], -1).await?;
                inventory::release_order(&mut tx, order.id).await?;
                give_back_coupons(&mut tx, &order).await?;
                give_back_sale_units(&mut tx, &order).await?;
                changed(&mut tx, &order, "cancelled").await?;
            }
            _ => return Err(Error::new(ErrorCode::OrderNotCancellable)),
        }
        self.commerce.commit(tx).await?;
        if let Some(refund_id) = refund
            && let Err(error) = self.payments.send_refund(refund_id).await
        {
            tracing::warn!(refund = %refund_id, error = %error, "a cancelled order's refund waits for the sweep");
        }
        Ok(self.order(buyer, order_id).await?.order)
    }

    /// Pays an unpaid order's group again after its payment was declined (or asks
    /// the provider again about one it never answered).
    pub async fn pay_again(
        &self,
        buyer: Id,
        order_id: Id,
        method: &str,
        key: &IdempotencyKey,
        return_url: &str,
    ) -> Result<Placed> {
        let detail = self.order(buyer, order_id).await?;
        let idempotency = self.payments.ledger().idempotency();
        let _guard = match idempotency.begin(key).await? {
            Prior::Done(Outcome::Made(_)) | Prior::Interrupted { resource: Some(_), .. } => {
                return self.placed(buyer, detail.group.id).await;
            }
            Prior::Done(Outcome::Refused(error)) => return Err(error),
            Prior::Interrupted { resource: None, guard } | Prior::Fresh(guard) => guard,
        };
        if detail.order.status != "pending_payment" {
            return Err(Error::new(ErrorCode::OrderNotPayable)
                .with_details(serde_json::json!({ "status": detail.order.status })));
        }
        let current = self.placed(buyer, detail.group.id).await?.payment;
        match current.status.as_str() {
            "declined" => {}
            "created" => {
                let payment = self.payments.resume(current.id, None).await?;
                return Ok(Placed { group_id: detail.group.id, payment });
            }
            _ => {
                return Err(Error::new(ErrorCode::OrderNotPayable)
                    .with_details(serde_json::json!({ "payment_status": current.status })));
            }
        }
        let expires_at = idempotency.expires_at(self.db.now());
        self.payments.open_order_accounts(self.config.currency).await?;
        let made = async {
            let mut tx = self.db.begin().await?;
            let amount = carmine_core::money::Money::new(detail.group.total_minor, self.config.currency);
            let payment_id = self.payments.order_payment_in(&mut tx, buyer, amount, method).await?;
            if !rows::set_group_payment(&mut tx, detail.group.id, payment_id, Some(current.id)).await? {
                return Err(Error::new(ErrorCode::OrderNotPayable));
            }
            idempotency::claim(&mut tx, key, Some(payment_id), expires_at).await?;
            idempotency::finish(&mut tx, key, &Ok(payment_id)).await?;
            tx.commit().await?;
            Ok(payment_id)
        };
        let payment_id = match made.await {
            Ok(id) => id,
            Err(error) => return Err(idempotency::refuse(&self.db, key, expires_at, error).await),
        };
        let return_url = return_url.replace("{payment}", &payment_id.to_string());
        let payment = match self.payments.charge(payment_id, &return_url, None).await {
            Ok(payment) => payment,
            Err(error) => {
                tracing::warn!(payment = %payment_id, error = %error, "the provider did not take an order payment");
                self.payments.get(payment_id).await?
            }
        };
        Ok(Placed { group_id: detail.group.id, payment })
    }
}
