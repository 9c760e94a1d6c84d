//! Settlement (ADR 0026): a completed order's escrow, once its store's settlement
//! delay has passed, is split exactly into
//!
//! - the payment channel's fee (0.6 % of what the buyer paid, configurable), charged
//!   to the merchant and credited to provider clearing — a cost, not revenue;
//! - the platform's commission: each line's category rate on what the buyer paid for
//!   it, less the part the store's commission-free allowance covers (its first
//!   ¥10,000 of settled sales by default);
//! - each affiliate creator's commission: the line's affiliate rate on what the buyer
//!   paid for it;
//! - the merchant's share: the rest, plus the platform coupon's subsidy (paid from the
//!   platform's coupon-subsidy account).
//!
//! Every share is rounded down; the merchant's share is what is left, so the parts
//! always sum to what came in. What a merchant or creator owes the platform from an
//! earlier clawback is netted first: that part of their share repays the debt.
//!
//! `orders.settle` settles due orders one by one in its transaction: the order moves
//! `completed → settled` by conditional update, so no order settles twice.

use std::collections::BTreeMap;
use std::time::Duration;

use carmine_core::event::DomainEvent;
use carmine_core::money::Currency;
use carmine_core::{Error, Id, Result};
use carmine_jobs::{BoxFuture, JobHandler};
use carmine_ledger::posting::{self, Header, Leg};
use carmine_ledger::{AccountKind, AccountRef, Owner, Stream};
use carmine_store::Tx;
use carmine_store::fulfilment::{self as rows, SettlementRecord};
use carmine_store::jobs::JobRecord;
use carmine_store::orders::{self as order_rows, LineRecord, OrderRecord};

use crate::OrdersConfig;

/// What settlement needs of one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineFigures {
    pub line_id: Id,
    /// What the buyer paid for the line, less what was refunded.
    pub paid: i64,
    pub commission_bps: i64,
    pub affiliate: Option<(Id, Id)>,
    pub affiliate_bps: i64,
}

impl LineFigures {
    pub fn of(line: &LineRecord) -> LineFigures {
        LineFigures {
            line_id: line.id,
            paid: line.paid_minor - line.refunded_minor,
            commission_bps: line.commission_bps,
            affiliate: line.affiliate,
            affiliate_bps: line.affiliate_bps,
        }
    }
}

/// One order's split.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Split {
    pub fee: i64,
    pub commission: i64,
    /// Commission the allowance waived.
    pub commission_free: i64,
    /// The commission line by line (in the order of the lines given): each line's
    /// rate on what it paid, less its share of what was waived; they sum to `commission`.
    pub line_commission: Vec<i64>,
    /// (line, creator, note, amount), one per affiliate line.
    pub affiliate: Vec<(Id, Id, Id, i64)>,
    pub merchant: i64,
}

impl Split {
    pub fn affiliate_total(&self) -> i64 {
        self.affiliate.iter().map(|a| a.3).sum()
    }
}

fn share(amount: i64, bps: i64) -> i64 {
    (i128::from(amount.max(0)) * i128::from(bps.clamp(0, 10_000)) / 10_000) as i64
}

/// Splits `escrow` (what the buyer's payment left for the order) plus `subsidy`
/// (the platform coupon's part). `free_base` is how much of the order's sales the
/// store's commission-free allowance covers: that share of the commission is waived.
pub fn split(escrow: i64, subsidy: i64, lines: &[LineFigures], free_base: i64, fee_bps: i64) -> Split {
    let incoming = escrow.max(0) + subsidy.max(0);
    let mut left = incoming;
    let mut take = |wanted: i64| {
        let taken = wanted.clamp(0, left);
        left -= taken;
        taken
    };
    let fee = take(share(escrow, fee_bps));
    let base: i64 = lines.iter().map(|l| l.paid.max(0)).sum();
    let by_line: Vec<i64> = lines.iter().map(|l| share(l.paid, l.commission_bps)).collect();
    let full: i64 = by_line.iter().sum();
    let free_base = free_base.clamp(0, base);
    let waived = if base > 0 { (i128::from(full) * i128::from(free_base) / i128::from(base)) as i64 } else { 0 };
    let commission = take(full - waived);
    let line_commission = crate::coupons::allocate(commission, &by_line);
    let affiliate = lines
        .iter()
        .filter_map(|l| l.affiliate.map(|(creator, note)| (l.line_id, creator, note, share(l.paid, l.affiliate_bps))))
        .map(|(line, creator, note, wanted)| (line, creator, note, take(wanted)))
        .filter(|a| a.3 > 0)
        .collect();
    Split { fee, commission, commission_free: waived, line_commission, affiliate, merchant: left }
}

/// The platform coupon's subsidy still due on an order: in proportion to what of
/// its total was not refunded.
pub fn subsidy_due(order: &OrderRecord) -> i64 {
    if order.total_minor <= 0 {
        return 0;
    }
    let kept = order.total_minor - order.refunded_minor;
    (i128::from(order.platform_discount_minor) * i128::from(kept) / i128::from(order.total_minor)) as i64
}

/// What an account owes the platform now (0 unless it is below zero).
async fn owed(tx: &mut Tx, account: Id) -> Result<i64> {
    let record = carmine_store::ledger::get_account(tx.conn(), account).await?;
    Ok(record.map_or(0, |a| (-a.balance).max(0)))
}

/// Pays `amount` to a party whose debts to the platform are netted first: legs for
/// its `earnings` and `owed` accounts, and the part that repaid debt.
async fn pay_netting(
    tx: &mut Tx,
    earnings: AccountRef,
    owed_kind: AccountKind,
    amount: i64,
) -> Result<(Vec<Leg>, i64)> {
    let owed_ref = AccountRef::new(earnings.owner, owed_kind, earnings.currency);
    let owed_id = carmine_ledger::account_in(tx, owed_ref).await?;
    let netted = owed(tx, owed_id).await?.min(amount);
    let mut legs = Vec::new();
    if netted > 0 {
        legs.push(Leg { account_id: owed_id, currency: earnings.currency, amount: netted });
    }
    if amount > netted {
        let id = carmine_ledger::account_in(tx, earnings).await?;
        legs.push(Leg { account_id: id, currency: earnings.currency, amount: amount - netted });
    }
    Ok((legs, netted))
}

/// Settles one completed order; false if it was not completed (settled already).
pub async fn settle(tx: &mut Tx, config: &OrdersConfig, order_id: Id) -> Result<bool> {
    // The status first: its row lock makes a refund of this order running at the same
    // time (on PostgreSQL) wait, and the figures read next are the settled ones.
    if !rows::mark_settled(tx, order_id).await? {
        return Ok(false);
    }
    let order = order_rows::get_order(tx.conn(), order_id).await?.ok_or(carmine_core::ErrorCode::OrderNotFound)?;
    let standing = rows::store_standing(tx.conn(), order.store_id).await?.ok_or_else(|| Error::internal("no store"))?;
    let currency = Currency::parse(&order.currency).ok_or_else(|| Error::internal("an order has a bad currency"))?;
    let lines: Vec<LineFigures> =
        order_rows::lines(tx.conn(), &[order_id]).await?.iter().map(LineFigures::of).collect();
    let escrow = order.total_minor - order.refunded_minor;
    let subsidy = subsidy_due(&order);
    let base: i64 = lines.iter().map(|l| l.paid.max(0)).sum();
    let free_base = rows::take_commission_free(tx, order.store_id, base, config.commission_free_minor).await?;
    let split = split(escrow, subsidy, &lines, free_base, config.channel_fee_bps);

    let platform = |kind| AccountRef::platform(kind, currency);
    let mut legs = Vec::new();
    for (kind, amount) in [
        (AccountKind::CommerceEscrow, -(escrow - split.affiliate_total())),
        (AccountKind::CouponSubsidy, -subsidy),
        (AccountKind::ProviderClearing, split.fee),
        (AccountKind::Revenue(Stream::CommerceCommissions), split.commission),
    ] {
        if amount != 0 {
            legs.push(Leg { account_id: carmine_ledger::account_in(tx, platform(kind)).await?, currency, amount });
        }
    }
    for (line, commission) in lines.iter().zip(&split.line_commission) {
        rows::set_line_settled(tx, line.line_id, line.paid.max(0), *commission).await?;
    }
    let merchant = AccountRef::new(Owner::Org(standing.org_id), AccountKind::Earnings, currency);
    let (merchant_legs, netted) = pay_netting(tx, merchant, AccountKind::OwedByMerchant, split.merchant).await?;
    legs.extend(merchant_legs);
    let reference = |memo: &str| Header::new("settlement", "order", order_id, memo);
    if legs.len() >= 2 {
        posting::post(tx, &reference("order settled"), &legs).await?;
    }
    // Each creator's commission comes out of the escrow in a transaction of its own.
    let mut by_creator: BTreeMap<Id, i64> = BTreeMap::new();
    for &(line_id, creator, note, amount) in &split.affiliate {
        *by_creator.entry(creator).or_default() += amount;
        let base = lines.iter().find(|l| l.line_id == line_id).map_or(0, |l| l.paid);
        rows::insert_affiliate_earning(tx, line_id, order_id, (creator, note), amount, base).await?;
    }
    for (creator, amount) in by_creator {
        let earnings = AccountRef::new(Owner::User(creator), AccountKind::Earnings, currency);
        let (mut creator_legs, _) = pay_netting(tx, earnings, AccountKind::OwedByCreator, amount).await?;
        let escrow_id = carmine_ledger::account_in(tx, platform(AccountKind::CommerceEscrow)).await?;
        creator_legs.push(Leg { account_id: escrow_id, currency, amount: -amount });
        posting::post(tx, &reference("affiliate commission"), &creator_legs).await?;
    }
    rows::insert_settlement(
        tx,
        &SettlementRecord {
            order_id,
            store_id: order.store_id,
            currency: order.currency.clone(),
            escrow_minor: escrow,
            subsidy_minor: subsidy,
            fee_minor: split.fee,
            commission_minor: split.commission,
            commission_free_minor: split.commission_free,
            affiliate_minor: split.affiliate_total(),
            merchant_minor: split.merchant,
            netted_minor: netted,
            clawed_back_minor: 0,
            settled_at: tx.now(),
        },
    )
    .await?;
    tx.emit(DomainEvent::OrderChanged { order_id, store_id: order.store_id, status: "settled".to_owned() }).await?;
    Ok(true)
}

/// Settles up to `limit` due orders in `tx`, each under a savepoint: one that
/// cannot settle (its books need a look) is logged and does not hold up the rest.
/// Returns how many settled.
pub async fn settle_due(tx: &mut Tx, config: &OrdersConfig, limit: u32) -> Result<usize> {
    let now = tx.now();
    let mut settled = 0;
    for order_id in rows::settlement_due(tx.conn(), now, limit).await? {
        tx.savepoint().await?;
        match settle(tx, config, order_id).await {
            Ok(done) => {
                tx.release_savepoint().await?;
                settled += usize::from(done);
            }
            Err(error) => {
                tx.rollback_to_savepoint().await?;
                tracing::error!(order = %order_id, error = %error, "an order could not settle");
            }
        }
    }
    Ok(settled)
}

/// `orders.settle`, every minute: completed orders past their settlement delay (up
/// to 200 a run).
pub struct Settle {
    pub config: OrdersConfig,
}

impl JobHandler for Settle {
    fn kind(&self) -> &'static str {
        "orders.settle"
    }

    fn every(&self) -> Option<Duration> {
        Some(Duration::from_secs(60))
    }

    fn run<'a>(&'a self, tx: &'a mut Tx, _: &'a JobRecord) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let settled = settle_due(tx, &self.config, 200).await?;
            if settled > 0 {
                tracing::info!(settled, "settled completed orders");
            }
            Ok(())
        })
    }
}

/// Longest settlement statement, in orders.
pub const STATEMENT_ORDERS_MAX: u32 = 5_000;

impl crate::Orders {
    /// A store's settlements in `[from, to)`, newest first (those who may see its
    /// money: owners, admins, analysts).
    pub async fn settlements(
        &self,
        caller: &carmine_accounts::Caller,
        store_id: Id,
        from: carmine_core::Timestamp,
        to: carmine_core::Timestamp,
    ) -> Result<Vec<SettlementRecord>> {
        self.commerce.authorize_store(caller, store_id, carmine_accounts::orgs::OrgAction::ViewMoney).await?;
        let mut conn = self.db.reader().await?;
        Ok(rows::store_settlements(&mut conn, store_id, from, to, STATEMENT_ORDERS_MAX).await?)
    }

    /// A creator's affiliate commissions, newest sale first (`limit + 1`: the extra
    /// one says there is more), and their total net of clawbacks.
    pub async fn affiliate_earnings(
        &self,
        creator: Id,
        before: Option<Id>,
        limit: u32,
    ) -> Result<(Vec<rows::AffiliateEarning>, i64)> {
        let mut conn = self.db.reader().await?;
        let limit = limit + 1;
        let earnings = rows::creator_earnings(&mut conn, creator, before, limit).await?;
        Ok((earnings, rows::creator_earned(&mut conn, creator).await?))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn line(id: i64, paid: i64, commission_bps: i64, affiliate_bps: i64) -> LineFigures {
        LineFigures {
            line_id: Id::from_i64(id),
            paid,
            commission_bps,
            affiliate: (affiliate_bps > 0).then(|| (Id::from_i64(100 + id), Id::from_i64(200 + id))),
            affiliate_bps,
        }
    }

    #[test]
    fn a_plain_order_splits_into_fee_commission_affiliate_and_merchant() {
        // ¥100 of goods at 5 % commission, 10 % to the creator, ¥10 shipping; 0.6 % fee.
        let split = split(11_000, 0, &[line(1, 10_000, 500, 1_000)], 0, 60);
        assert_eq!(split.fee, 66);
        assert_eq!(split.commission, 500);
        assert_eq!(split.affiliate_total(), 1_000);
        assert_eq!(split.merchant, 11_000 - 66 - 500 - 1_000);
    }

    #[test]
    fn the_allowance_waives_commission_on_the_sales_it_covers() {
        let lines = [line(1, 6_000, 500, 0), line(2, 4_000, 1_000, 0)];
        let half = split(10_000, 0, &lines, 5_000, 0);
        assert_eq!(half.commission + half.commission_free, 300 + 400);
        assert_eq!(half.commission, 350);
        assert_eq!(half.line_commission, vec![150, 200]);
        let all = split(10_000, 0, &lines, 50_000, 0);
        assert_eq!((all.commission, all.commission_free), (0, 700));
    }

    #[test]
    fn the_subsidy_reaches_the_merchant() {
        let split = split(8_000, 2_000, &[line(1, 8_000, 0, 0)], 0, 0);
        assert_eq!(split.merchant, 10_000);
    }

    proptest! {
        #[test]
        fn parts_sum_to_what_came_in_and_none_is_negative(
            lines in proptest::collection::vec((0i64..2_000_000, 0i64..=10_000, 0i64..=10_000), 1..6),
            shipping in 0i64..50_000,
            subsidy in 0i64..100_000,
            free_base in 0i64..3_000_000,
            fee_bps in 0i64..=10_000,
        ) {
            let lines: Vec<_> = lines.iter().enumerate().map(|(i, &(paid, c, a))| line(i as i64, paid, c, a)).collect();
            let escrow = lines.iter().map(|l| l.paid).sum::<i64>() + shipping;
            let split = split(escrow, subsidy, &lines, free_base, fee_bps);
            prop_assert_eq!(split.fee + split.commission + split.affiliate_total() + split.merchant, escrow + subsidy);
            prop_assert!(split.fee >= 0 && split.commission >= 0 && split.merchant >= 0 && split.commission_free >= 0);
            prop_assert!(split.affiliate.iter().all(|a| a.3 > 0));
            prop_assert_eq!(split.line_commission.iter().sum::<i64>(), split.commission);
            for (line, commission) in lines.iter().zip(&split.line_commission) {
                prop_assert!(*commission >= 0 && *commission <= share(line.paid, line.commission_bps));
            }
        }
    }
}
