//! Coupons: issued by a store (its staff with `ManageStore`; the store funds them)
//! or by the operator (the platform's coupon subsidy funds them), claimed by
//! members, and spent at checkout.
//!
//! A coupon takes a fixed amount or a percentage (with an optional cap) off goods —
//! never shipping — once goods reach its minimum spend, within its validity window.
//! A checkout uses at most one coupon of each store (on that store's goods) and one
//! of the platform's (on the goods left after the stores' coupons). Unless the buyer
//! names their coupons, the best of each is chosen. Every order keeps at least one
//! minor unit to pay. Discounts are spread over lines by largest remainder, so they
//! add up exactly; a cancelled order gives its store's coupon back, and the
//! platform's once every order of the checkout is cancelled.

use carmine_core::event::DomainEvent;
use carmine_core::limits::{ORDER_TOTAL_MINOR_MAX, PRICE_MINOR_MAX};
use carmine_core::text::bounded_text;
use carmine_core::{Error, ErrorCode, Id, Result, Timestamp};
use carmine_store::coupons::{self as rows, CouponRecord, CouponRow, MemberCouponRecord};
use carmine_store::users;
use serde_json::json;

use crate::Orders;

/// The longest a coupon may run.
pub const COUPON_DAYS_MAX: i64 = 366;
pub const COUPON_NAME_CHARS_MAX: usize = 30;
/// Claims one member may make of one coupon, at most.
pub const COUPON_PER_MEMBER_MAX: i64 = 100;
pub const COUPON_QUANTITY_MAX: i64 = 10_000_000;

/// A coupon as its issuer writes it.
#[derive(Clone, Debug)]
pub struct CouponInput {
    pub name: String,
    /// Minor units off (a fixed coupon) …
    pub amount_minor: Option<i64>,
    /// … or basis points off (a percentage coupon), at most `cap_minor`.
    pub percent_bps: Option<i64>,
    pub cap_minor: Option<i64>,
    pub min_spend_minor: i64,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub per_member_limit: i64,
    pub quantity: Option<i64>,
}

fn range(field: &str, value: i64, min: i64, max: i64) -> Result<i64> {
    if !(min..=max).contains(&value) {
        return Err(Error::invalid_field(field, format!("{min} to {max}"))
            .with_details(json!({ "field": field, "min": min, "max": max })));
    }
    Ok(value)
}

fn valid<'a>(input: &'a CouponInput, name: &'a str, store_id: Option<Id>) -> Result<CouponRow<'a>> {
    let (kind, amount, percent) = match (input.amount_minor, input.percent_bps) {
        (Some(amount), None) => ("fixed", Some(range("amount", amount, 1, PRICE_MINOR_MAX)?), None),
        (None, Some(bps)) => ("percent", None, Some(range("percent_bps", bps, 1, 10_000)?)),
        _ => return Err(Error::invalid_field("amount", "either an amount or a percentage off, not both")),
    };
    if kind == "fixed" && input.cap_minor.is_some() {
        return Err(Error::invalid_field("cap", "only a percentage coupon has a cap"));
    }
    let cap = input.cap_minor.map(|c| range("cap", c, 1, PRICE_MINOR_MAX)).transpose()?;
    let min_spend = range("min_spend", input.min_spend_minor, 0, ORDER_TOTAL_MINOR_MAX)?;
    let days = (input.ends_at.micros() - input.starts_at.micros()) / 86_400_000_000;
    if input.ends_at <= input.starts_at || days > COUPON_DAYS_MAX {
        return Err(Error::invalid_field("ends_at", format!("after starts_at, within {COUPON_DAYS_MAX} days")));
    }
    Ok(CouponRow {
        store_id,
        name,
        kind,
        amount_minor: amount,
        percent_bps: percent,
        cap_minor: cap,
        min_spend_minor: min_spend,
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        per_member_limit: range("per_member_limit", input.per_member_limit, 1, COUPON_PER_MEMBER_MAX)?,
        quantity: input.quantity.map(|q| range("quantity", q, 1, COUPON_QUANTITY_MAX)).transpose()?,
    })
}

/// What a coupon takes off `subtotal` (0 below its minimum spend), before the
/// "one minor unit left" rule.
pub fn discount_of(coupon: &CouponRecord, subtotal: i64) -> i64 {
    if subtotal < coupon.min_spend_minor || subtotal <= 0 {
        return 0;
    }
    let off = match (coupon.amount_minor, coupon.percent_bps) {
        (Some(amount), _) => amount,
        (None, Some(bps)) => {
            let off = i64::try_from(i128::from(subtotal) * i128::from(bps) / 10_000).unwrap_or(i64::MAX);
            coupon.cap_minor.map_or(off, |cap| off.min(cap))
        }
        (None, None) => 0,
    };
    off.min(subtotal)
}

/// Spreads `amount` over `weights` in proportion, by largest remainder: the parts add
/// up to `amount` exactly and none exceeds its weight (when `amount ≤ Σ weights`).
pub fn allocate(amount: i64, weights: &[i64]) -> Vec<i64> {
    let total: i128 = weights.iter().map(|w| i128::from((*w).max(0))).sum();
    if total == 0 || amount <= 0 {
        return vec![0; weights.len()];
    }
    let amount = i128::from(amount).min(total);
    let mut parts: Vec<(usize, i128, i128)> = weights
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let exact = amount * i128::from((*w).max(0));
            (i, exact / total, exact % total)
        })
        .collect();
    let mut left = amount - parts.iter().map(|p| p.1).sum::<i128>();
    // Largest remainder first; ties to the earlier line.
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|a, b| parts[*b].2.cmp(&parts[*a].2).then(a.cmp(b)));
    for i in order {
        if left == 0 {
            break;
        }
        if parts[i].2 > 0 {
            parts[i].1 += 1;
            left -= 1;
        }
    }
    parts.iter().map(|p| i64::try_from(p.1).unwrap_or(0)).collect()
}

/// Whether a claimed coupon may be spent at `now`.
pub fn spendable(coupon: &MemberCouponRecord, now: Timestamp) -> bool {
    coupon.status == "available" && coupon.coupon.starts_at <= now && now < coupon.coupon.ends_at
}

impl Orders {
    /// A store's coupon, by its staff who may manage the store.
    pub async fn create_store_coupon(
        &self,
        caller: &carmine_accounts::Caller,
        store_id: Id,
        input: &CouponInput,
    ) -> Result<CouponRecord> {
        self.commerce.authorize_store(caller, store_id, carmine_accounts::orgs::OrgAction::ManageStore).await?;
        self.create_coupon(caller.user_id, Some(store_id), input).await
    }

    /// A platform coupon (the caller has been checked as an operator).
    pub async fn create_platform_coupon(&self, operator: Id, input: &CouponInput) -> Result<CouponRecord> {
        self.create_coupon(operator, None, input).await
    }

    async fn create_coupon(&self, by: Id, store_id: Option<Id>, input: &CouponInput) -> Result<CouponRecord> {
        let name = bounded_text("name", &input.name, 1, COUPON_NAME_CHARS_MAX, false)?;
        let row = valid(input, &name, store_id)?;
        let mut tx = self.db.begin().await?;
        let id = rows::insert(&mut tx, &row, by).await?;
        tx.emit(DomainEvent::CouponIssued { coupon_id: id, store_id }).await?;
        tx.commit().await?;
        self.coupon(id).await
    }

    pub async fn coupon(&self, id: Id) -> Result<CouponRecord> {
        Ok(rows::get(&mut *self.db.reader().await?, id).await?.ok_or(ErrorCode::CouponNotFound)?)
    }

    /// A store's coupons (`None`: the platform's); `live`: only those one may claim now.
    pub async fn coupons(&self, store_id: Option<Id>, live: bool) -> Result<Vec<CouponRecord>> {
        let now = live.then(|| self.db.now());
        Ok(rows::list(&mut *self.db.reader().await?, store_id, now, 100).await?)
    }

    /// Claims a coupon for a member, within its quantity and per-member limit.
    pub async fn claim_coupon(&self, user: Id, coupon_id: Id) -> Result<MemberCouponRecord> {
        let coupon = self.coupon(coupon_id).await?;
        let mut tx = self.db.begin().await?;
        users::lock(&mut tx, user).await?;
        if rows::member_claims(&mut tx, coupon_id, user).await? >= coupon.per_member_limit {
            return Err(Error::new(ErrorCode::CouponLimitReached)
                .with_details(json!({ "per_member_limit": coupon.per_member_limit })));
        }
        if !rows::count_claim(&mut tx, coupon_id).await? {
            return Err(Error::new(ErrorCode::CouponUnavailable));
        }
        let id = rows::insert_claim(&mut tx, coupon_id, user).await?;
        tx.emit(DomainEvent::CouponClaimed { coupon_id, user_id: user }).await?;
        tx.commit().await?;
        let mine = rows::member_coupons(&mut *self.db.reader().await?, user, "available", 200).await?;
        mine.into_iter().find(|c| c.id == id).ok_or_else(|| Error::internal("a claimed coupon vanished"))
    }

    /// The coupons a member holds, not yet spent (expired ones included: they say so).
    pub async fn my_coupons(&self, user: Id) -> Result<Vec<MemberCouponRecord>> {
        Ok(rows::member_coupons(&mut *self.db.reader().await?, user, "available", 200).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn coupon(amount: Option<i64>, bps: Option<i64>, cap: Option<i64>, min_spend: i64) -> CouponRecord {
        CouponRecord {
            id: Id::from_i64(1),
            store_id: None,
            name: "c".into(),
            kind: if amount.is_some() { "fixed" } else { "percent" }.into(),
            amount_minor: amount,
            percent_bps: bps,
            cap_minor: cap,
            min_spend_minor: min_spend,
            starts_at: Timestamp(0),
            ends_at: Timestamp(1),
            per_member_limit: 1,
            quantity: None,
            claimed: 0,
            ended_at: None,
            created_at: Timestamp(0),
        }
    }

    #[test]
    fn discounts_follow_kind_cap_and_minimum_spend() {
        assert_eq!(discount_of(&coupon(Some(2_000), None, None, 10_000), 9_999), 0, "below the minimum spend");
        assert_eq!(discount_of(&coupon(Some(2_000), None, None, 10_000), 10_000), 2_000);
        assert_eq!(discount_of(&coupon(Some(2_000), None, None, 0), 1_500), 1_500, "never more than the goods");
        assert_eq!(discount_of(&coupon(None, Some(1_500), None, 0), 9_999), 1_499, "15% rounded down");
        assert_eq!(discount_of(&coupon(None, Some(1_500), Some(1_000), 0), 9_999), 1_000, "capped");
    }

    proptest! {
        #[test]
        fn allocation_adds_up_exactly_and_respects_each_weight(
            weights in proptest::collection::vec(0i64..1_000_000, 1..20),
            share in 0.0f64..1.0,
        ) {
            let total: i64 = weights.iter().sum();
            let amount = (total as f64 * share) as i64;
            let parts = allocate(amount, &weights);
            prop_assert_eq!(parts.iter().sum::<i64>(), amount.min(total));
            for (part, weight) in parts.iter().zip(&weights) {
                prop_assert!(*part >= 0 && part <= weight, "{} of {}", part, weight);
            }
        }
    }
}
