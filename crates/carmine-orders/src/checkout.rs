//! Checkout: the cart (or some of its lines) priced on the server and placed as one
//! order group — one payment, one order per store.
//!
//! Pricing: each line at its variant's price now; each store's shipping from the
//! shipping template of each of its products (the store's default for a product
//! without one) for the address's region: lines are grouped by template, each
//! group's fee computed on its own subtotal (a free-shipping threshold counts that
//! group), and the store charges the highest of those fees once. A template that
//! does not deliver to the region makes the store undeliverable there.
//!
//! Placing, in one transaction under the buyer's row lock (so one cart cannot be
//! checked out twice at once) and the request's `Idempotency-Key`: the priced total
//! must equal the one the buyer saw (else `price_changed` with the new figures);
//! every line's units are reserved (else `out_of_stock`, nothing kept); each line
//! freezes its price, category commission rate, return eligibility and the buyer's
//! attribution (the last tap on a note's tag within the window; a creator's own
//! purchases earn no commission); the lines leave the cart; the payment is recorded.
//! The provider is asked only after the commit.

use std::collections::BTreeMap;

use carmine_commerce::shipping::fee_for;
use carmine_commerce::tags::Visitor;
use carmine_core::event::DomainEvent;
use carmine_core::limits::ORDER_TOTAL_MINOR_MAX;
use carmine_core::money::Money;
use carmine_core::{Error, ErrorCode, Id, Result, Timestamp};
use carmine_ledger::idempotency::{self, IdempotencyKey, Outcome, Prior};
use carmine_store::orders::{self as rows, GroupRow, LineRow, OrderRow};
use carmine_store::payments::PaymentRecord;
use carmine_store::{Conn, Tx, categories, products, stores, users};
use serde_json::json;

use crate::Orders;
use crate::cart::{CartLine, LineProblem};
use crate::coupons::{allocate, discount_of, spendable};
use crate::inventory;
use carmine_store::coupons::{self as coupon_rows, MemberCouponRecord};
use carmine_store::sales;

/// What a buyer asks to check out.
#[derive(Clone, Debug)]
pub struct CheckoutInput {
    pub address_id: Id,
    /// The cart lines (variant ids) to buy; empty: the whole cart.
    pub sku_ids: Vec<Id>,
    /// The payment provider's method, or `wallet` (the buyer's coins, where the
    /// operator allows it).
    pub method: String,
    /// The total the buyer was shown, in minor units.
    pub expected_total_minor: i64,
    /// The claimed coupons to spend; `None`: the best ones (as the quote chose).
    pub coupon_ids: Option<Vec<Id>>,
}

/// One store's part of a quote.
#[derive(Clone, Debug)]
pub struct StoreQuote {
    pub store_id: Id,
    pub store_name: String,
    pub store_handle: String,
    pub lines: Vec<CartLine>,
    pub goods_minor: i64,
    /// `None` until a region is known, or when the store does not deliver there.
    pub shipping_minor: Option<i64>,
    /// The store delivers to the region (true while no region is chosen).
    pub delivers: bool,
    /// Taken off this store's goods by coupons: the store's and the platform's share.
    pub discount_minor: i64,
    pub platform_discount_minor: i64,
    /// Each line's discount, in the order of `lines`: (the store's coupon, the platform's).
    pub line_discounts: Vec<(i64, i64)>,
}

impl StoreQuote {
    pub fn total_minor(&self) -> i64 {
        self.goods_minor + self.shipping_minor.unwrap_or(0) - self.discount_minor
    }
}

/// A coupon a quote spends.
#[derive(Clone, Debug)]
pub struct AppliedCoupon {
    pub member_coupon_id: Id,
    pub name: String,
    /// `None`: the platform's.
    pub store_id: Option<Id>,
    pub discount_minor: i64,
}

/// A checkout priced: per store and in all.
#[derive(Clone, Debug)]
pub struct Quote {
    pub region: Option<String>,
    pub stores: Vec<StoreQuote>,
    pub goods_minor: i64,
    pub shipping_minor: i64,
    pub discount_minor: i64,
    pub total_minor: i64,
    pub coupons: Vec<AppliedCoupon>,
}

impl Quote {
    /// Lines that cannot be bought as they stand.
    pub fn problems(&self) -> Vec<(Id, LineProblem)> {
        self.stores.iter().flat_map(|s| &s.lines).filter_map(|l| l.problem.map(|p| (l.record.sku_id, p))).collect()
    }

    /// Stores that do not deliver to the region.
    pub fn undelivered(&self) -> Vec<Id> {
        self.stores.iter().filter(|s| !s.delivers).map(|s| s.store_id).collect()
    }

    fn figures(&self, currency: &str) -> serde_json::Value {
        let money = |minor: i64| json!({ "amount_minor": minor, "currency": currency });
        json!({
            "goods": money(self.goods_minor),
            "shipping": money(self.shipping_minor),
            "discount": money(self.discount_minor),
            "total": money(self.total_minor),
        })
    }
}

/// A placed checkout: its group and the payment as the provider left it.
#[derive(Clone, Debug)]
pub struct Placed {
    pub group_id: Id,
    pub payment: PaymentRecord,
}

/// The chosen cart lines (all when `sku_ids` is empty); `cart_line_not_found` for
/// a variant not in the cart.
fn chosen(cart: Vec<CartLine>, sku_ids: &[Id]) -> Result<Vec<CartLine>> {
    if sku_ids.is_empty() {
        return Ok(cart);
    }
    if let Some(missing) = sku_ids.iter().find(|id| !cart.iter().any(|l| l.record.sku_id == **id)) {
        return Err(Error::new(ErrorCode::CartLineNotFound).with_details(json!({ "sku_id": missing.to_string() })));
    }
    Ok(cart.into_iter().filter(|l| sku_ids.contains(&l.record.sku_id)).collect())
}

/// Prices lines for a region (`None`: shipping not yet known).
async fn price(conn: &mut Conn, lines: Vec<CartLine>, region: Option<&str>) -> Result<Quote> {
    let mut by_store: BTreeMap<Id, Vec<CartLine>> = BTreeMap::new();
    for line in lines {
        by_store.entry(line.record.store_id).or_default().push(line);
    }
    let mut stores_quoted = Vec::with_capacity(by_store.len());
    for (store_id, lines) in by_store {
        let store = stores::get(&mut *conn, store_id).await?.ok_or(ErrorCode::StoreNotFound)?;
        let templates = stores::templates(&mut *conn, store_id).await?;
        let goods_minor: i64 = lines.iter().map(CartLine::line_total_minor).sum();
        let (shipping_minor, delivers) = match region {
            None => (None, true),
            Some(region) => {
                let mut by_template: BTreeMap<Option<Id>, i64> = BTreeMap::new();
                for line in &lines {
                    let product = products::get(&mut *conn, line.record.product_id).await?;
                    let template = product.and_then(|p| p.shipping_template_id).or(store.default_template_id);
                    *by_template.entry(template).or_default() += line.line_total_minor();
                }
                let mut fee = Some(0);
                for (template_id, subtotal) in by_template {
                    let this = match template_id.and_then(|id| templates.iter().find(|t| t.id == id)) {
                        Some(template) => fee_for(template, region, subtotal),
                        // No template at all: the store ships for free.
                        None => Some(0),
                    };
                    fee = fee.zip(this).map(|(a, b)| a.max(b));
                }
                (fee, fee.is_some())
            }
        };
        stores_quoted.push(StoreQuote {
            store_id,
            store_name: store.name.clone(),
            store_handle: store.handle.clone(),
            line_discounts: vec![(0, 0); lines.len()],
            lines,
            goods_minor,
            shipping_minor,
            delivers,
            discount_minor: 0,
            platform_discount_minor: 0,
        });
    }
    let goods_minor = stores_quoted.iter().map(|s| s.goods_minor).sum();
    let shipping_minor = stores_quoted.iter().map(|s| s.shipping_minor.unwrap_or(0)).sum();
    Ok(Quote {
        region: region.map(str::to_owned),
        stores: stores_quoted,
        goods_minor,
        shipping_minor,
        discount_minor: 0,
        total_minor: goods_minor + shipping_minor,
        coupons: Vec::new(),
    })
}

fn not_applicable(id: Id, reason: &str) -> Error {
    Error::new(ErrorCode::CouponNotApplicable).with_details(json!({ "coupon_id": id.to_string(), "reason": reason }))
}

/// Spends coupons on a priced quote: the named ones (`choice`), or the best of each
/// store's and of the platform's that the buyer holds (module `coupons`).
fn apply_coupons(quote: &mut Quote, held: &[MemberCouponRecord], choice: Option<&[Id]>, now: Timestamp) -> Result<()> {
    let candidates: Vec<&MemberCouponRecord> = match choice {
        None => held.iter().filter(|c| spendable(c, now)).collect(),
        Some(ids) => {
            let mut chosen = Vec::new();
            for id in ids {
                let coupon = held.iter().find(|c| c.id == *id).ok_or_else(|| not_applicable(*id, "not_yours"))?;
                if !spendable(coupon, now) {
                    return Err(not_applicable(*id, "expired_or_used"));
                }
                let store = coupon.coupon.store_id;
                if chosen.iter().any(|c: &&MemberCouponRecord| c.coupon.store_id == store) {
                    return Err(not_applicable(*id, "one_per_store"));
                }
                if store.is_some_and(|s| !quote.stores.iter().any(|q| q.store_id == s)) {
                    return Err(not_applicable(*id, "store_not_in_checkout"));
                }
                chosen.push(coupon);
            }
            chosen
        }
    };
    let mut applied = Vec::new();
    // The stores' coupons, each on its own store's goods.
    for store in &mut quote.stores {
        let best = candidates
            .iter()
            .filter(|c| c.coupon.store_id == Some(store.store_id))
            .map(|c| (c, discount_of(&c.coupon, store.goods_minor).min(store.goods_minor - 1)))
            .max_by_key(|(c, off)| (*off, std::cmp::Reverse(c.id)));
        if let Some((coupon, off)) = best {
            if off <= 0 {
                if choice.is_some() {
                    return Err(not_applicable(coupon.id, "below_minimum_spend"));
                }
                continue;
            }
            let weights: Vec<i64> = store.lines.iter().map(CartLine::line_total_minor).collect();
            for (share, slot) in allocate(off, &weights).into_iter().zip(store.line_discounts.iter_mut()) {
                slot.0 = share;
            }
            store.discount_minor = off;
            applied.push(AppliedCoupon {
                member_coupon_id: coupon.id,
                name: coupon.coupon.name.clone(),
                store_id: Some(store.store_id),
                discount_minor: off,
            });
        }
    }
    // The platform's, on what is left, each order keeping one minor unit.
    let left: Vec<i64> = quote.stores.iter().map(|s| s.goods_minor - s.discount_minor).collect();
    let room: Vec<i64> = left.iter().map(|l| (l - 1).max(0)).collect();
    let base: i64 = left.iter().sum();
    let best = candidates
        .iter()
        .filter(|c| c.coupon.store_id.is_none())
        .map(|c| (c, discount_of(&c.coupon, base).min(room.iter().sum())))
        .max_by_key(|(c, off)| (*off, std::cmp::Reverse(c.id)));
    if let Some((coupon, off)) = best {
        if off <= 0 && choice.is_some() {
            return Err(not_applicable(coupon.id, "below_minimum_spend"));
        }
        if off > 0 {
            for (store, share) in quote.stores.iter_mut().zip(allocate(off, &room)) {
                let weights: Vec<i64> =
                    store.lines.iter().zip(&store.line_discounts).map(|(l, d)| l.line_total_minor() - d.0).collect();
                for (part, slot) in allocate(share, &weights).into_iter().zip(store.line_discounts.iter_mut()) {
                    slot.1 = part;
                }
                store.platform_discount_minor = share;
                store.discount_minor += share;
            }
            applied.push(AppliedCoupon {
                member_coupon_id: coupon.id,
                name: coupon.coupon.name.clone(),
                store_id: None,
                discount_minor: off,
            });
        }
    }
    quote.discount_minor = quote.stores.iter().map(|s| s.discount_minor).sum();
    quote.total_minor = quote.goods_minor + quote.shipping_minor - quote.discount_minor;
    quote.coupons = applied;
    Ok(())
}

/// What a line freezes besides its price.
struct Frozen {
    commission_bps: i64,
    returnable: bool,
    affiliate: Option<(Id, Id)>,
    affiliate_bps: i64,
    option_label: String,
    media_id: Option<Id>,
}

impl Orders {
    /// The cart (or the chosen lines) priced for an address of the buyer's.
    pub async fn quote(
        &self,
        buyer: Id,
        address_id: Option<Id>,
        sku_ids: &[Id],
        coupon_ids: Option<&[Id]>,
    ) -> Result<Quote> {
        let region = match address_id {
            Some(id) => Some(self.address(buyer, id).await?.region),
            None => None,
        };
        let lines = chosen(self.cart(buyer).await?, sku_ids)?;
        let mut conn = self.db.reader().await?;
        let mut quote = price(&mut conn, lines, region.as_deref()).await?;
        let held = coupon_rows::member_coupons(&mut conn, buyer, "available", 200).await?;
        apply_coupons(&mut quote, &held, coupon_ids, self.db.now())?;
        Ok(quote)
    }

    /// Places a checkout under `key` (answering again with the same group on a
    /// retry) and asks the provider to charge it. `return_url` may hold
    /// `{payment}`; `visitors` are who the buyer was when they tapped notes' tags.
    pub async fn checkout(
        &self,
        buyer: Id,
        visitors: &[Visitor],
        input: &CheckoutInput,
        key: &IdempotencyKey,
        return_url: &str,
    ) -> Result<Placed> {
        if input.method == carmine_ledger::payments::WALLET && !self.config.wallet_payments {
            return Err(Error::invalid_field("method", "paying from coins is not offered on this instance"));
        }
        let idempotency = self.payments.ledger().idempotency();
        let _guard = match idempotency.begin(key).await? {
            Prior::Done(Outcome::Made(group_id)) | Prior::Interrupted { resource: Some(group_id), .. } => {
                return self.placed(buyer, group_id).await;
            }
            Prior::Done(Outcome::Refused(error)) => return Err(error),
            Prior::Interrupted { resource: None, guard } | Prior::Fresh(guard) => guard,
        };
        let expires_at = idempotency.expires_at(self.db.now());
        let group_id = match self.place(buyer, visitors, input, key, expires_at).await {
            Ok(group_id) => group_id,
            Err(error) => return Err(idempotency::refuse(&self.db, key, expires_at, error).await),
        };
        let placed = self.placed(buyer, group_id).await?;
        if placed.payment.status == "succeeded" {
            return Ok(placed); // paid from coins: nothing to ask a provider
        }
        let return_url = return_url.replace("{payment}", &placed.payment.id.to_string());
        match self.payments.charge(placed.payment.id, &return_url, None).await {
            Ok(payment) => Ok(Placed { group_id, payment }),
            Err(error) => {
                // The orders stand and wait for payment; the payer may try again.
                tracing::warn!(group = %group_id, error = %error, "the provider did not take an order payment");
                Ok(placed)
            }
        }
    }

    /// The group and its current payment.
    pub(crate) async fn placed(&self, buyer: Id, group_id: Id) -> Result<Placed> {
        let (group, _, _) = self.group(buyer, group_id).await?;
        let payment_id = group.payment_id.ok_or_else(|| Error::internal("an order group has no payment"))?;
        Ok(Placed { group_id, payment: self.payments.get(payment_id).await? })
    }

    async fn place(
        &self,
        buyer: Id,
        visitors: &[Visitor],
        input: &CheckoutInput,
        key: &IdempotencyKey,
        key_expires_at: Timestamp,
    ) -> Result<Id> {
        // Attribution and what each product freezes are read before the write
        // transaction, from the lines the cart holds now; checkout re-reads the cart
        // inside and refuses any line it did not price.
        let preview = chosen(self.cart(buyer).await?, &input.sku_ids)?;
        let mut frozen: BTreeMap<Id, Frozen> = BTreeMap::new();
        for line in &preview {
            frozen.insert(line.record.sku_id, self.freeze(buyer, visitors, line).await?);
        }
        let currency = self.config.currency;
        self.payments.open_order_accounts(currency).await?;
        let mut tx = self.db.begin().await?;
        users::lock(&mut tx, buyer).await?;
        let address = rows::get_address(tx.conn(), buyer, input.address_id).await?.ok_or(ErrorCode::AddressNotFound)?;
        let mut lines: Vec<CartLine> = rows::cart_in(&mut tx, buyer).await?.into_iter().map(CartLine::new).collect();
        let now = tx.now();
        crate::sales::price_lines(tx.conn(), buyer, &mut lines, now).await?;
        let lines = chosen(lines, &input.sku_ids)?;
        if lines.is_empty() {
            return Err(Error::new(ErrorCode::CartEmpty));
        }
        if let Some(line) = lines.iter().find(|l| !frozen.contains_key(&l.record.sku_id)) {
            return Err(Error::new(ErrorCode::PriceChanged)
                .with_details(json!({ "sku_id": line.record.sku_id.to_string(), "reason": "cart_changed" })));
        }
        let mut quote = price(tx.conn(), lines, Some(&address.region)).await?;
        let held = coupon_rows::member_coupons(tx.conn(), buyer, "available", 200).await?;
        apply_coupons(&mut quote, &held, input.coupon_ids.as_deref(), now)?;
        let problems = quote.problems();
        if let Some((sku_id, problem)) = problems.first() {
            let code = match problem {
                LineProblem::NotForSale => ErrorCode::NotForSale,
                LineProblem::OutOfStock { .. } => ErrorCode::OutOfStock,
            };
            let lines: Vec<_> = problems
                .iter()
                .map(|(sku, problem)| match problem {
                    LineProblem::OutOfStock { available } => {
                        json!({ "sku_id": sku.to_string(), "problem": problem.code(), "available": available })
                    }
                    LineProblem::NotForSale => json!({ "sku_id": sku.to_string(), "problem": problem.code() }),
                })
                .collect();
            return Err(Error::new(code).with_details(json!({ "sku_id": sku_id.to_string(), "lines": lines })));
        }
        if let Some(store_id) = quote.undelivered().first() {
            return Err(Error::new(ErrorCode::RegionNotDelivered)
                .with_details(json!({ "store_id": store_id.to_string(), "region": address.region })));
        }
        if quote.total_minor > ORDER_TOTAL_MINOR_MAX {
            return Err(Error::new(ErrorCode::InvalidAmount)
                .with_message(format!("one checkout may charge at most {ORDER_TOTAL_MINOR_MAX} minor units"))
                .with_details(json!({ "field": "expected_total", "max": ORDER_TOTAL_MINOR_MAX })));
        }
        if quote.total_minor != input.expected_total_minor {
            return Err(Error::new(ErrorCode::PriceChanged).with_details(quote.figures(currency.as_str())));
        }
        // Paid from coins: the money moves first, before any product is locked (the
        // lock order of every transaction that moves money and stock).
        let amount = Money::new(quote.total_minor, currency);
        let wallet_payment = match input.method == carmine_ledger::payments::WALLET {
            true => Some(self.payments.wallet_payment_in(&mut tx, buyer, amount).await?),
            false => None,
        };
        let product_ids: Vec<Id> = quote.stores.iter().flat_map(|s| &s.lines).map(|l| l.record.product_id).collect();
        inventory::lock_products(&mut tx, &product_ids).await?;
        let group_id = tx.new_id();
        rows::insert_group(
            &mut tx,
            &GroupRow {
                id: group_id,
                buyer_id: buyer,
                address: &address,
                currency: currency.as_str(),
                goods_minor: quote.goods_minor,
                shipping_minor: quote.shipping_minor,
                discount_minor: quote.discount_minor,
                total_minor: quote.total_minor,
            },
        )
        .await?;
        let pay_by = tx.now().plus_seconds(self.config.pay_minutes * 60);
        for store in &quote.stores {
            let order_id = self.place_order(&mut tx, group_id, buyer, store, &frozen, pay_by).await?;
            tx.emit(DomainEvent::OrderChanged {
                order_id,
                store_id: store.store_id,
                status: "pending_payment".to_owned(),
            })
            .await?;
        }
        for line in quote.stores.iter().flat_map(|s| &s.lines) {
            rows::remove_cart_line(&mut tx, buyer, line.record.sku_id).await?;
        }
        for coupon in &quote.coupons {
            if !coupon_rows::spend(&mut tx, coupon.member_coupon_id, buyer, group_id).await? {
                return Err(not_applicable(coupon.member_coupon_id, "expired_or_used"));
            }
        }
        inventory::refresh(&mut tx, &product_ids).await?;
        let payment_id = match wallet_payment {
            Some(id) => id,
            None => self.payments.order_payment_in(&mut tx, buyer, amount, &input.method).await?,
        };
        rows::set_group_payment(&mut tx, group_id, payment_id, None).await?;
        if wallet_payment.is_some() {
            self.payments.announce_in(&mut tx, payment_id).await?;
        }
        tx.emit(DomainEvent::OrderGroupPlaced { group_id, buyer_id: buyer, total_minor: quote.total_minor }).await?;
        idempotency::claim(&mut tx, key, Some(group_id), key_expires_at).await?;
        idempotency::finish(&mut tx, key, &Ok(group_id)).await?;
        self.commerce.commit(tx).await?;
        Ok(group_id)
    }

    /// Writes one store's order with its lines, reserving each line's units.
    async fn place_order(
        &self,
        tx: &mut Tx,
        group_id: Id,
        buyer: Id,
        store: &StoreQuote,
        frozen: &BTreeMap<Id, Frozen>,
        pay_by: Timestamp,
    ) -> Result<Id> {
        let order_id = tx.new_id();
        let total_minor = store.total_minor();
        let row = OrderRow {
            id: order_id,
            group_id,
            store_id: store.store_id,
            buyer_id: buyer,
            goods_minor: store.goods_minor,
            shipping_minor: store.shipping_minor.unwrap_or(0),
            discount_minor: store.discount_minor,
            platform_discount_minor: store.platform_discount_minor,
            total_minor,
            pay_by,
        };
        rows::insert_order(tx, &row, self.config.currency.as_str()).await?;
        let mut lines: Vec<(&CartLine, (i64, i64))> =
            store.lines.iter().zip(store.line_discounts.iter().copied()).collect();
        lines.sort_by_key(|(l, _)| l.record.sku_id);
        for (line, (store_off, platform_off)) in lines {
            let record = &line.record;
            let frozen = &frozen[&record.sku_id];
            let line_id = tx.new_id();
            rows::insert_line(
                tx,
                &LineRow {
                    id: line_id,
                    order_id,
                    product_id: record.product_id,
                    sku_id: record.sku_id,
                    title: &record.title,
                    option_label: &frozen.option_label,
                    sku_code: &record.sku_code,
                    media_id: frozen.media_id,
                    quantity: record.quantity,
                    unit_price_minor: line.unit_price_minor(),
                    discount_minor: store_off + platform_off,
                    paid_minor: line.line_total_minor() - store_off - platform_off,
                    commission_bps: frozen.commission_bps,
                    affiliate: frozen.affiliate,
                    affiliate_bps: frozen.affiliate_bps,
                    returnable: frozen.returnable,
                    sale_id: line.sale.map(|s| s.sale_id),
                },
            )
            .await?;
            if let Some(sale) = line.sale
                && !sales::take(tx, sale.sale_id, buyer, record.quantity).await?
            {
                // The sale ran out (or the buyer's limit was reached) since it was priced.
                return Err(Error::new(ErrorCode::PriceChanged)
                    .with_details(json!({ "sku_id": record.sku_id.to_string(), "reason": "sale_sold_out" })));
            }
            let Some(taken) = inventory::reserve(tx, record.sku_id, record.quantity).await? else {
                return Err(
                    Error::new(ErrorCode::OutOfStock).with_details(json!({ "sku_id": record.sku_id.to_string() }))
                );
            };
            for (warehouse_id, units) in taken {
                rows::insert_line_stock(tx, line_id, record.sku_id, warehouse_id, units).await?;
            }
        }
        Ok(order_id)
    }

    /// What a line freezes: the category's commission, the return promise, the
    /// buyer's attribution and the product's affiliate rate.
    async fn freeze(&self, buyer: Id, visitors: &[Visitor], line: &CartLine) -> Result<Frozen> {
        let mut conn = self.db.reader().await?;
        let product = products::get(&mut conn, line.record.product_id).await?.ok_or(ErrorCode::ProductNotFound)?;
        let category = categories::get(&mut conn, product.category_id).await?;
        let store = stores::get(&mut conn, product.store_id).await?.ok_or(ErrorCode::StoreNotFound)?;
        drop(conn);
        let attribution = self.commerce.attribution(visitors, product.id).await?;
        let affiliate = attribution.as_ref().filter(|a| a.creator_id != buyer).map(|a| (a.creator_id, a.note_id));
        let pays = attribution.as_ref().is_some_and(|a| a.affiliate && a.creator_id != buyer);
        Ok(Frozen {
            commission_bps: category.map_or(0, |c| c.commission_bps),
            returnable: product.returnable && store.return_days > 0,
            affiliate,
            affiliate_bps: if pays { product.affiliate_bps } else { 0 },
            option_label: option_label(&line.record.options, &line.record.option_key),
            media_id: line.record.cover.as_ref().map(|(id, _)| *id),
        })
    }
}

/// "Colour: red · Size: M" from a product's options (JSON) and a variant's values.
pub fn option_label(options_json: &str, option_key: &str) -> String {
    let names: Vec<String> = serde_json::from_str::<Vec<serde_json::Value>>(options_json)
        .unwrap_or_default()
        .iter()
        .filter_map(|o| o.get("name").and_then(|n| n.as_str()).map(str::to_owned))
        .collect();
    if option_key.is_empty() {
        return String::new();
    }
    option_key
        .split('\u{1f}')
        .enumerate()
        .map(|(i, value)| match names.get(i) {
            Some(name) => format!("{name}: {value}"),
            None => value.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" · ")
}
