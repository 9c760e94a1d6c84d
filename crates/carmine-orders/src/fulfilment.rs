//! From a paid order to a completed one (ADR 0026): the merchant ships it with a
//! carrier and tracking number, the carrier's events are recorded, and the order is
//! received — by the buyer, or automatically when its time runs out (7 days after
//! shipping, 17 if delivery failed; 30 and 40 from a cross-border store; the buyer
//! may extend once) — and completed at once while no after-sale is open, to settle
//! after the store's settlement delay.
//!
//! Carriers sit behind [`Logistics`]. The built-in sandbox reports a fixed timeline
//! from the moment of shipping (a tracking number ending in `FAIL` fails delivery);
//! `orders.track` asks it about shipments in transit and records what is new. A real
//! carrier would report the same events through [`record_events`].

use std::time::Duration;

use carmine_accounts::Caller;
use carmine_accounts::orgs::OrgAction;
use carmine_core::event::DomainEvent;
use carmine_core::{Error, ErrorCode, Id, Result, Timestamp};
use carmine_jobs::{BoxFuture, JobHandler};
use carmine_store::Tx;
use carmine_store::fulfilment::{self as rows, ShipmentEvent};
use carmine_store::jobs::JobRecord;
use carmine_store::orders::{self as order_rows, OrderRecord};

use crate::{Orders, OrdersConfig, inventory};

/// Longest carrier code and tracking number accepted.
pub const TRACKING_NO_MAX: usize = 40;

/// A carrier the instance can track.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Carrier {
    pub code: &'static str,
    pub name_en: &'static str,
    pub name_zh: &'static str,
}

/// A logistics provider: which carriers it knows and what a shipment's carrier has
/// reported by `now`.
pub trait Logistics: Send + Sync {
    fn carriers(&self) -> &[Carrier];
    fn events(
        &self,
        carrier: &str,
        tracking_no: &str,
        shipped_at: Timestamp,
        destination: &str,
        now: Timestamp,
    ) -> Vec<ShipmentEvent>;
}

/// The sandbox carrier network: picked up 2 hours after shipping, in transit after
/// a day, out for delivery after 2, delivered 6 hours later — or, for a tracking
/// number ending in `FAIL`, a failed delivery then.
pub struct SandboxLogistics;

const SANDBOX_CARRIERS: [Carrier; 4] = [
    Carrier { code: "sf", name_en: "SF Express", name_zh: "顺丰速运" },
    Carrier { code: "jd", name_en: "JD Logistics", name_zh: "京东物流" },
    Carrier { code: "zto", name_en: "ZTO Express", name_zh: "中通快递" },
    Carrier { code: "ems", name_en: "China Post EMS", name_zh: "中国邮政 EMS" },
];

impl Logistics for SandboxLogistics {
    fn carriers(&self) -> &[Carrier] {
        &SANDBOX_CARRIERS
    }

    fn events(
        &self,
        _carrier: &str,
        tracking_no: &str,
        shipped_at: Timestamp,
        destination: &str,
        now: Timestamp,
    ) -> Vec<ShipmentEvent> {
        const HOUR: i64 = 3_600;
        let last = if tracking_no.to_ascii_uppercase().ends_with("FAIL") { "delivery_failed" } else { "delivered" };
        [("picked_up", 2 * HOUR, ""), ("in_transit", 24 * HOUR, ""), ("out_for_delivery", 48 * HOUR, destination)]
            .into_iter()
            .chain(std::iter::once((last, 54 * HOUR, destination)))
            .map(|(code, after, location)| ShipmentEvent {
                code: code.to_owned(),
                location: location.to_owned(),
                happened_at: shipped_at.plus_seconds(after),
            })
            .filter(|event| event.happened_at <= now)
            .collect()
    }
}

/// What the merchant says when shipping.
#[derive(Clone, Debug)]
pub struct ShipInput {
    pub carrier: String,
    pub tracking_no: String,
}

impl ShipInput {
    /// A carrier this instance knows and a plain tracking number (a shipment or a
    /// return sent back).
    pub(crate) fn validate(&self, logistics: &dyn Logistics) -> Result<()> {
        if !logistics.carriers().iter().any(|c| c.code == self.carrier) {
            let known: Vec<&str> = logistics.carriers().iter().map(|c| c.code).collect();
            return Err(Error::invalid_field("carrier", format!("must be one of {}", known.join(", "))));
        }
        valid_tracking_no(&self.tracking_no)
    }
}

/// A plain tracking number: 1 to 40 letters, digits or hyphens.
pub(crate) fn valid_tracking_no(tracking: &str) -> Result<()> {
    if tracking.is_empty()
        || tracking.len() > TRACKING_NO_MAX
        || !tracking.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(Error::invalid_field("tracking_no", format!("1 to {TRACKING_NO_MAX} letters, digits or hyphens")));
    }
    Ok(())
}

const DAY: i64 = 86_400;

/// Days after shipping an order is received automatically.
fn receipt_days(config: &OrdersConfig, cross_border: bool, delivery_failed: bool) -> i64 {
    match (cross_border, delivery_failed) {
        (false, false) => config.receive_days,
        (false, true) => config.receive_days_failed,
        (true, false) => config.receive_days_cross_border,
        (true, true) => config.receive_days_cross_border_failed,
    }
}

/// Days a completed order of this store waits before it settles.
pub fn settle_days(config: &OrdersConfig, standing: &rows::StoreStanding) -> i64 {
    let established = standing.rated_orders >= config.rated_orders_for_score;
    if established && standing.score_centi >= config.fast_score_centi {
        config.settle_days_fast
    } else {
        config.settle_days
    }
}

async fn changed(tx: &mut Tx, order: &OrderRecord, status: &str) -> Result<()> {
    tx.emit(DomainEvent::OrderChanged { order_id: order.id, store_id: order.store_id, status: status.to_owned() })
        .await?;
    Ok(())
}

async fn standing(tx: &mut Tx, store_id: Id) -> Result<rows::StoreStanding> {
    rows::store_standing(tx.conn(), store_id).await?.ok_or_else(|| Error::internal("an order lost its store"))
}

/// Receives a shipped order and, with no after-sale open, completes it with its
/// settlement date; false if it was not shipped (the buyer or the timer got there
/// first).
pub(crate) async fn receive(tx: &mut Tx, config: &OrdersConfig, order: &OrderRecord, by: &str) -> Result<bool> {
    if !rows::mark_received(tx, order.id, by).await? {
        return Ok(false);
    }
    changed(tx, order, "received").await?;
    complete(tx, config, order).await?;
    Ok(true)
}

/// `received → completed` (after-sales, when they exist, hold this back while open).
pub(crate) async fn complete(tx: &mut Tx, config: &OrdersConfig, order: &OrderRecord) -> Result<bool> {
    let standing = standing(tx, order.store_id).await?;
    let settle_after = tx.now().plus_seconds(settle_days(config, &standing) * DAY);
    if !rows::mark_completed(tx, order.id, settle_after).await? {
        return Ok(false);
    }
    changed(tx, order, "completed").await?;
    Ok(true)
}

/// Records what a carrier reported about an order in transit, each event once. A
/// failed delivery moves the time for receipt to the longer deadline.
pub async fn record_events(
    tx: &mut Tx,
    config: &OrdersConfig,
    order: &OrderRecord,
    events: &[ShipmentEvent],
) -> Result<usize> {
    let mut recorded = 0;
    for event in events {
        if !rows::insert_event(tx, order.id, event).await? {
            continue;
        }
        recorded += 1;
        if event.code == "delivery_failed"
            && let Some(shipped_at) = order.fulfilment.shipped_at
        {
            let cross_border = standing(tx, order.store_id).await?.store_type == "cross_border";
            let extra = if order.fulfilment.receipt_extended { config.extend_days } else { 0 };
            let by = shipped_at.plus_seconds((receipt_days(config, cross_border, true) + extra) * DAY);
            rows::set_receive_by(tx, order.id, by, false, true).await?;
        }
    }
    Ok(recorded)
}

/// `orders.track`, every 5 minutes: asks the logistics provider about shipments in
/// transit (up to 500 a run) and records what is new.
pub struct Track {
    pub logistics: std::sync::Arc<dyn Logistics>,
    pub config: OrdersConfig,
}

impl JobHandler for Track {
    fn kind(&self) -> &'static str {
        "orders.track"
    }

    fn every(&self) -> Option<Duration> {
        Some(Duration::from_secs(300))
    }

    fn run<'a>(&'a self, tx: &'a mut Tx, _: &'a JobRecord) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let now = tx.now();
            for order_id in rows::in_transit(tx.conn(), 500).await? {
                let Some(order) = order_rows::get_order(tx.conn(), order_id).await? else { continue };
                let (Some(carrier), Some(tracking), Some(shipped_at)) = (
                    order.fulfilment.carrier.as_deref(),
                    order.fulfilment.tracking_no.as_deref(),
                    order.fulfilment.shipped_at,
                ) else {
                    continue;
                };
                let group = order_rows::get_group(tx.conn(), order.group_id).await?;
                let destination = group.map(|g| g.region).unwrap_or_default();
                let events = self.logistics.events(carrier, tracking, shipped_at, &destination, now);
                record_events(tx, &self.config, &order, &events).await?;
            }
            Ok(())
        })
    }
}

/// `orders.auto_receive`, every minute: shipped orders whose time for receipt has
/// passed are received (up to 200 a run).
pub struct AutoReceive {
    pub config: OrdersConfig,
}

impl JobHandler for AutoReceive {
    fn kind(&self) -> &'static str {
        "orders.auto_receive"
    }

    fn every(&self) -> Option<Duration> {
        Some(Duration::from_secs(60))
    }

    fn run<'a>(&'a self, tx: &'a mut Tx, _: &'a JobRecord) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let now = tx.now();
            let mut received = 0;
            for order_id in rows::receipt_due(tx.conn(), now, 200).await? {
                let Some(order) = order_rows::get_order(tx.conn(), order_id).await? else { continue };
                received += usize::from(receive(tx, &self.config, &order, "auto").await?);
            }
            if received > 0 {
                tracing::info!(received, "received shipped orders whose time ran out");
            }
            Ok(())
        })
    }
}

impl Orders {
    /// The store's staff ship a paid order: its units leave the warehouses, and the
    /// time for receipt starts.
    pub async fn ship(&self, caller: &Caller, store_id: Id, order_id: Id, input: &ShipInput) -> Result<OrderRecord> {
        self.commerce.authorize_store(caller, store_id, OrgAction::FulfilOrders).await?;
        input.validate(self.logistics.as_ref())?;
        let mut tx = self.db.begin().await?;
        let order = order_rows::get_order(tx.conn(), order_id)
            .await?
            .filter(|o| o.store_id == store_id)
            .ok_or(ErrorCode::OrderNotFound)?;
        let cross_border = standing(&mut tx, store_id).await?.store_type == "cross_border";
        let receive_by = tx.now().plus_seconds(receipt_days(&self.config, cross_border, false) * DAY);
        if !rows::mark_shipped(&mut tx, order_id, &input.carrier, &input.tracking_no, receive_by).await? {
            return Err(
                Error::new(ErrorCode::OrderNotShippable).with_details(serde_json::json!({ "status": order.status }))
            );
        }
        inventory::ship_order(&mut tx, order_id).await?;
        changed(&mut tx, &order, "shipped").await?;
        self.commerce.commit(tx).await?;
        self.store_order(store_id, order_id).await
    }

    /// The buyer confirms receipt of a shipped order.
    pub async fn confirm_receipt(&self, buyer: Id, order_id: Id) -> Result<OrderRecord> {
        let order = self.order(buyer, order_id).await?.order;
        let mut tx = self.db.begin().await?;
        if !receive(&mut tx, &self.config, &order, "buyer").await? {
            return Err(
                Error::new(ErrorCode::OrderNotShipped).with_details(serde_json::json!({ "status": order.status }))
            );
        }
        tx.commit().await?;
        Ok(self.order(buyer, order_id).await?.order)
    }

    /// The buyer extends the time to confirm receipt, once.
    pub async fn extend_receipt(&self, buyer: Id, order_id: Id) -> Result<OrderRecord> {
        let order = self.order(buyer, order_id).await?.order;
        let Some(receive_by) = order.fulfilment.receive_by.filter(|_| order.status == "shipped") else {
            return Err(
                Error::new(ErrorCode::OrderNotShipped).with_details(serde_json::json!({ "status": order.status }))
            );
        };
        if order.fulfilment.receipt_extended {
            return Err(Error::new(ErrorCode::ReceiptAlreadyExtended));
        }
        let mut tx = self.db.begin().await?;
        let later = receive_by.plus_seconds(self.config.extend_days * DAY);
        if !rows::set_receive_by(&mut tx, order_id, later, true, false).await? {
            return Err(Error::new(ErrorCode::ReceiptAlreadyExtended));
        }
        tx.commit().await?;
        Ok(self.order(buyer, order_id).await?.order)
    }

    /// An order's tracking events, oldest first (the caller has checked it may see it).
    pub async fn tracking(&self, order_id: Id) -> Result<Vec<ShipmentEvent>> {
        Ok(rows::events(&mut *self.db.reader().await?, order_id).await?)
    }

    /// The carriers merchants may ship with.
    pub fn carriers(&self) -> &[Carrier] {
        self.logistics.carriers()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_waits_longer_across_borders_and_after_a_failed_delivery() {
        let config = OrdersConfig::default();
        assert_eq!(
            [(false, false), (false, true), (true, false), (true, true)].map(|(c, f)| receipt_days(&config, c, f)),
            [7, 17, 30, 40]
        );
    }

    #[test]
    fn only_an_established_well_scored_store_settles_fast() {
        let config = OrdersConfig::default();
        let store = |score_centi, rated_orders| rows::StoreStanding {
            org_id: Id::from_i64(1),
            store_type: "brand_official".to_owned(),
            score_centi,
            rated_orders,
        };
        assert_eq!(settle_days(&config, &store(480, 20)), 4);
        assert_eq!(settle_days(&config, &store(470, 20)), 4);
        assert_eq!(settle_days(&config, &store(469, 500)), 7);
        assert_eq!(settle_days(&config, &store(500, 19)), 7, "too few rated orders: not yet established");
    }

    #[test]
    fn the_sandbox_reports_a_timeline_and_fails_what_it_is_told_to() {
        let shipped = Timestamp(0);
        let at = |hours: i64| shipped.plus_seconds(hours * 3_600);
        let codes = |tracking: &str, now| -> Vec<String> {
            SandboxLogistics.events("sf", tracking, shipped, "CN-BJ", now).into_iter().map(|e| e.code).collect()
        };
        assert!(codes("SF1", at(1)).is_empty());
        assert_eq!(codes("SF1", at(30)), ["picked_up", "in_transit"]);
        assert_eq!(codes("SF1", at(60)).last().map(String::as_str), Some("delivered"));
        assert_eq!(codes("SF-fail", at(60)).last().map(String::as_str), Some("delivery_failed"));
    }
}
