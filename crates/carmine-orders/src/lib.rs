//! Commerce II (ADR 0025): what happens between "add to cart" and a paid order.
//! Members' address books (`addresses`), carts that say when a price or stock
//! changed (`cart`), checkout priced on the server from each store's shipping
//! template (`checkout`), stock reserved from a store's warehouses in priority order
//! and released again (`inventory`), and the order lifecycle so far — paid through
//! the ledger's payments into the platform's commerce escrow, expired when unpaid,
//! cancelled before shipment with a refund (`lifecycle`).
//!
//! Orders never oversell: units move only by conditional updates of `stock` whose
//! `CHECK`s keep `0 ≤ reserved ≤ on_hand`, and an order's status moves only by a
//! conditional update from the status it leaves, in the transaction that moves its
//! stock, so of a payment and an expiry exactly one wins.
//!
//! Must never: know HTTP, call a payment provider inside a transaction, or read stock
//! from commerce's product cache.

pub mod addresses;
pub mod after_sales;
pub mod cart;
pub mod checkout;
pub mod coupons;
pub mod fulfilment;
pub mod imported;
pub mod inventory;
pub mod lifecycle;
pub mod reviews;
pub mod sales;
pub mod settlement;

use std::sync::Arc;

use carmine_commerce::Commerce;
use carmine_core::money::Currency;
use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_ledger::payments::Payments;
use carmine_store::Db;
use carmine_store::orders::{self as rows, GroupRecord, LineRecord, OrderRecord};

pub use addresses::AddressInput;
pub use after_sales::{AfterSaleInput, AfterSaleTimers};
pub use cart::{CartLine, LineProblem};
pub use checkout::{AppliedCoupon, CheckoutInput, Placed, Quote};
pub use coupons::CouponInput;
pub use fulfilment::{AutoReceive, Carrier, Logistics, SandboxLogistics, ShipInput, Track};
pub use lifecycle::{ExpireUnpaid, OrderPayments};
pub use reviews::{ReviewInput, StoreScores};
pub use sales::SaleInput;
pub use settlement::Settle;

/// How orders behave on this instance.
#[derive(Clone, Debug)]
pub struct OrdersConfig {
    /// The instance's currency (the ledger's).
    pub currency: Currency,
    /// Minutes an order waits for payment before its units are released.
    pub pay_minutes: i64,
    /// Days after shipping an order is received automatically: normally, when the
    /// delivery failed, and the same two for a cross-border store.
    pub receive_days: i64,
    pub receive_days_failed: i64,
    pub receive_days_cross_border: i64,
    pub receive_days_cross_border_failed: i64,
    /// Days the buyer's one extension adds.
    pub extend_days: i64,
    /// Days a completed order waits before it settles: the fast tier (a store scored
    /// at least `fast_score_centi` on at least `rated_orders_for_score` reviewed
    /// orders) and everyone else.
    pub settle_days_fast: i64,
    pub settle_days: i64,
    pub fast_score_centi: i64,
    pub rated_orders_for_score: i64,
    /// The payment channel's fee on what the buyer paid, in basis points (0.6 %).
    pub channel_fee_bps: i64,
    /// Each store's first settled sales free of commission, in minor units.
    pub commission_free_minor: i64,
    /// Whether buyers may pay from their coins (at the coin rate); off unless the
    /// operator allows it.
    pub wallet_payments: bool,
    /// After-sales: hours the store has to answer before a request is approved; days
    /// after receipt a refund may be asked for (returns: the store's return window);
    /// days the buyer has to ship a return, the store to confirm it, and the buyer
    /// to escalate a rejection.
    pub answer_hours: i64,
    pub after_sale_days: i64,
    pub return_ship_days: i64,
    pub return_confirm_days: i64,
    pub escalate_days: i64,
}

impl Default for OrdersConfig {
    fn default() -> Self {
        OrdersConfig {
            currency: Currency::CNY,
            pay_minutes: 15,
            receive_days: 7,
            receive_days_failed: 17,
            receive_days_cross_border: 30,
            receive_days_cross_border_failed: 40,
            extend_days: 5,
            settle_days_fast: 4,
            settle_days: 7,
            fast_score_centi: 470,
            rated_orders_for_score: 20,
            channel_fee_bps: 60,
            commission_free_minor: 1_000_000,
            wallet_payments: false,
            answer_hours: 48,
            after_sale_days: 15,
            return_ship_days: 7,
            return_confirm_days: 10,
            escalate_days: 7,
        }
    }
}

/// An order with its lines and the group it was placed in.
#[derive(Clone, Debug)]
pub struct OrderDetail {
    pub order: OrderRecord,
    pub lines: Vec<LineRecord>,
    pub group: GroupRecord,
}

/// The orders service: one per process, cheap to clone.
#[derive(Clone)]
pub struct Orders {
    db: Db,
    commerce: Commerce,
    payments: Payments,
    logistics: Arc<dyn Logistics>,
    config: Arc<OrdersConfig>,
}

impl Orders {
    pub fn new(db: Db, commerce: Commerce, payments: Payments, config: OrdersConfig) -> Orders {
        Orders { db, commerce, payments, logistics: Arc::new(SandboxLogistics), config: Arc::new(config) }
    }

    /// Timed work: expiry of unpaid orders, tracking, receipt when time runs out,
    /// and settlement.
    pub fn job_handlers(&self) -> Vec<Arc<dyn carmine_jobs::JobHandler>> {
        let config = (*self.config).clone();
        vec![
            Arc::new(ExpireUnpaid),
            Arc::new(Track { logistics: self.logistics.clone(), config: config.clone() }),
            Arc::new(AutoReceive { config: config.clone() }),
            Arc::new(AfterSaleTimers { config: config.clone() }),
            Arc::new(StoreScores),
            Arc::new(Settle { config }),
        ]
    }

    pub fn config(&self) -> &OrdersConfig {
        &self.config
    }

    pub fn payments(&self) -> &Payments {
        &self.payments
    }

    /// One of the buyer's orders (`order_not_found` for anyone else's).
    pub async fn order(&self, buyer: Id, order_id: Id) -> Result<OrderDetail> {
        let mut conn = self.db.reader().await?;
        let order = rows::get_order(&mut conn, order_id)
            .await?
            .filter(|o| o.buyer_id == buyer)
            .ok_or(ErrorCode::OrderNotFound)?;
        let lines = rows::lines(&mut conn, &[order.id]).await?;
        let group = rows::get_group(&mut conn, order.group_id)
            .await?
            .ok_or_else(|| Error::internal("an order lost its group"))?;
        Ok(OrderDetail { order, lines, group })
    }

    /// A checkout's orders, one per store (`order_not_found` for anyone else's).
    pub async fn group(&self, buyer: Id, group_id: Id) -> Result<(GroupRecord, Vec<OrderRecord>, Vec<LineRecord>)> {
        let mut conn = self.db.reader().await?;
        let group = rows::get_group(&mut conn, group_id)
            .await?
            .filter(|g| g.buyer_id == buyer)
            .ok_or(ErrorCode::OrderNotFound)?;
        let orders = rows::group_orders(&mut conn, group_id).await?;
        let ids: Vec<Id> = orders.iter().map(|o| o.id).collect();
        let lines = rows::lines(&mut conn, &ids).await?;
        Ok((group, orders, lines))
    }

    /// The group a payment pays for, if it is the buyer's.
    pub async fn group_of_payment(&self, buyer: Id, payment_id: Id) -> Result<Option<Id>> {
        let mut conn = self.db.reader().await?;
        Ok(rows::group_by_payment(&mut conn, payment_id).await?.filter(|g| g.buyer_id == buyer).map(|g| g.id))
    }

    /// One of a store's orders, for its staff (who were authorized by the caller).
    async fn store_order(&self, store_id: Id, order_id: Id) -> Result<OrderRecord> {
        let mut conn = self.db.reader().await?;
        Ok(rows::get_order(&mut conn, order_id)
            .await?
            .filter(|o| o.store_id == store_id)
            .ok_or(ErrorCode::OrderNotFound)?)
    }

    /// A store's orders for its staff, newest first, optionally in one status, with
    /// their lines and groups (where they ship to) (`limit + 1` orders: the extra one
    /// says there is more).
    pub async fn store_orders(
        &self,
        caller: &carmine_accounts::Caller,
        store_id: Id,
        status: Option<&str>,
        before: Option<Id>,
        limit: u32,
    ) -> Result<(Vec<OrderRecord>, Vec<LineRecord>, Vec<GroupRecord>)> {
        self.commerce.authorize_store(caller, store_id, carmine_accounts::orgs::OrgAction::ViewStore).await?;
        let mut conn = self.db.reader().await?;
        let orders = rows::store_orders(&mut conn, store_id, status, before, limit + 1).await?;
        let shown = &orders[..orders.len().min(limit as usize)];
        let ids: Vec<Id> = shown.iter().map(|o| o.id).collect();
        let lines = rows::lines(&mut conn, &ids).await?;
        let mut groups = Vec::with_capacity(shown.len());
        for order in shown {
            groups.extend(rows::get_group(&mut conn, order.group_id).await?);
        }
        Ok((orders, lines, groups))
    }

    /// One of a store's orders with its lines and group, for its staff.
    pub async fn store_order_detail(
        &self,
        caller: &carmine_accounts::Caller,
        store_id: Id,
        order_id: Id,
    ) -> Result<OrderDetail> {
        self.commerce.authorize_store(caller, store_id, carmine_accounts::orgs::OrgAction::ViewStore).await?;
        let order = self.store_order(store_id, order_id).await?;
        let mut conn = self.db.reader().await?;
        let lines = rows::lines(&mut conn, &[order.id]).await?;
        let group = rows::get_group(&mut conn, order.group_id)
            .await?
            .ok_or_else(|| Error::internal("an order lost its group"))?;
        Ok(OrderDetail { order, lines, group })
    }

    /// A buyer's orders, newest first, in any of `statuses` (none: all), with their
    /// lines (`limit + 1` orders: the extra one says there is more).
    pub async fn buyer_orders(
        &self,
        buyer: Id,
        statuses: &[&str],
        before: Option<Id>,
        limit: u32,
    ) -> Result<(Vec<OrderRecord>, Vec<LineRecord>)> {
        let mut conn = self.db.reader().await?;
        let orders = rows::buyer_orders(&mut conn, buyer, statuses, before, limit + 1).await?;
        let ids: Vec<Id> = orders.iter().take(limit as usize).map(|o| o.id).collect();
        let lines = rows::lines(&mut conn, &ids).await?;
        Ok((orders, lines))
    }
}
