//! Spend: billable events take their cost from a chunk of the advertiser's balance
//! that the campaign holds, and the spend reaches the ledger in whole minor units.
//!
//! A campaign holds at most one chunk at a time: a ledger hold on the advertiser's
//! ad balance (an organization's, or a member's boost balance) of at most
//! `CHUNK_MINOR`, never more than what is left of today's budget, the total budget
//! or the balance. A billable event spends from it by one conditional update of the
//! campaign's `ad_spend` row that also checks both budgets, so however many events
//! arrive at once, spend never passes the chunk, the budgets or the balance. When the
//! chunk cannot cover an event, the chunk is closed — the hold voided and what was
//! spent posted (ad balance → advertising revenue, the fraction of a minor unit CPM
//! impressions leave carried to the next posting) — and another is held, in the
//! same transaction as the event. `ads.close_spend` closes every chunk hourly, so
//! revenue reaches the statement within the hour and a day's unspent money goes back.
//!
//! Lock order: a campaign's `ad_spend` row first, then ledger accounts.

use carmine_core::{Error, ErrorCode, Id, Result, Timestamp};
use carmine_ledger::posting::{self, Header, Leg};
use carmine_ledger::{AccountKind, AccountRef, Owner, Stream};
use carmine_store::ads::{self as rows, CampaignRecord, SpendRecord};
use carmine_store::{Tx, actors};

use crate::Ads;

/// The most one chunk holds (¥50).
pub const CHUNK_MINOR: i64 = 5_000;

/// Why a billable event was not billed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unbilled {
    DailyBudget,
    TotalBudget,
    Balance,
}

impl Unbilled {
    pub fn as_str(self) -> &'static str {
        match self {
            Unbilled::DailyBudget => "daily_budget",
            Unbilled::TotalBudget => "total_budget",
            Unbilled::Balance => "balance",
        }
    }
}

/// The local day spend is counted in.
pub fn day_of(at: Timestamp) -> String {
    at.local_date().to_string()
}

impl Ads {
    /// The account a campaign's advertiser pays from: an organization's ad balance,
    /// or the boost balance a member's boosts moved their coins to (`boosts`).
    pub(crate) async fn funding_account(&self, tx: &mut Tx, advertiser: Id) -> Result<AccountRef> {
        let actor =
            actors::get(tx.conn(), advertiser).await?.ok_or_else(|| Error::internal("an advertiser is gone"))?;
        let owner = if actor.kind == "org" { Owner::Org(advertiser) } else { Owner::User(advertiser) };
        Ok(AccountRef::new(owner, AccountKind::AdBalance, self.currency))
    }

    /// Spends `cost_millis` (thousandths of a minor unit) of `campaign` in `tx`.
    pub(crate) async fn bill(
        &self,
        tx: &mut Tx,
        campaign: &CampaignRecord,
        cost_millis: i64,
    ) -> Result<Option<Unbilled>> {
        let day = day_of(tx.now());
        let spend = rows::lock_spend(tx, campaign.id, &day).await?;
        let daily = campaign.daily_budget_minor * 1_000;
        let total = campaign.total_budget_minor.map(|t| t * 1_000);
        if rows::spend_from_chunk(tx, campaign.id, &day, cost_millis, daily, total).await? {
            return Ok(None);
        }
        if spend.spent_today_millis + cost_millis > daily {
            return Ok(Some(Unbilled::DailyBudget));
        }
        if total.is_some_and(|t| spend.spent_total_millis + cost_millis > t) {
            return Ok(Some(Unbilled::TotalBudget));
        }
        let posted = self.close_chunk(tx, campaign, &spend).await?;
        // A new chunk: what is left of both budgets (whole minor units, rounded up so
        // the last fraction can be spent), at most `CHUNK_MINOR`, at most the balance.
        let left_today = (daily - spend.spent_today_millis + 999) / 1_000;
        let left_total = total.map_or(i64::MAX, |t| (t - spend.spent_total_millis + 999) / 1_000);
        let funding = self.funding_account(tx, campaign.advertiser_id).await?;
        let funding_id = carmine_ledger::account_in(tx, funding).await?;
        let available = carmine_store::ledger::get_account(tx.conn(), funding_id)
            .await?
            .map_or(0, |a| a.balance - a.pending_debits);
        let chunk = CHUNK_MINOR.min(left_today).min(left_total).min(available);
        if chunk * 1_000 < cost_millis {
            return Ok(Some(Unbilled::Balance));
        }
        let revenue = carmine_ledger::account_in(
            tx,
            AccountRef::platform(AccountKind::Revenue(Stream::Advertising), self.currency),
        )
        .await?;
        let legs = [
            Leg { account_id: funding_id, currency: self.currency, amount: -chunk },
            Leg { account_id: revenue, currency: self.currency, amount: chunk },
        ];
        let header = Header::new("ad_spend", "ad_campaign", campaign.id, "ad spend reserved");
        let expires = tx.now().plus_seconds(7 * 86_400);
        let hold = match posting::hold(tx, &header, &legs, expires).await {
            Ok(hold) => hold,
            Err(e) if e.code == ErrorCode::InsufficientFunds => return Ok(Some(Unbilled::Balance)),
            Err(e) => return Err(e),
        };
        rows::set_chunk(tx, campaign.id, posted, Some(hold), chunk).await?;
        if !rows::spend_from_chunk(tx, campaign.id, &day, cost_millis, daily, total).await? {
            return Err(Error::internal("a fresh ad spend chunk did not cover its event"));
        }
        Ok(None)
    }

    /// Closes the campaign's chunk: voids its hold and posts what was spent since the
    /// last posting, in whole minor units; answers the new total posted.
    pub(crate) async fn close_chunk(&self, tx: &mut Tx, campaign: &CampaignRecord, spend: &SpendRecord) -> Result<i64> {
        if let Some(hold) = spend.hold_id {
            match posting::void_hold(tx, hold, false).await {
                Ok(()) => {}
                // Expired meanwhile: its money went back already.
                Err(e) if e.code == ErrorCode::HoldNotPending => {}
                Err(e) => return Err(e),
            }
        }
        let to_post = spend.spent_total_millis / 1_000 - spend.posted_minor;
        if to_post > 0 {
            let funding = self.funding_account(tx, campaign.advertiser_id).await?;
            let funding_id = carmine_ledger::account_in(tx, funding).await?;
            let revenue = carmine_ledger::account_in(
                tx,
                AccountRef::platform(AccountKind::Revenue(Stream::Advertising), self.currency),
            )
            .await?;
            let legs = [
                Leg { account_id: funding_id, currency: self.currency, amount: -to_post },
                Leg { account_id: revenue, currency: self.currency, amount: to_post },
            ];
            posting::post(tx, &Header::new("ad_spend", "ad_campaign", campaign.id, "ad spend"), &legs).await?;
        }
        let posted = spend.posted_minor + to_post.max(0);
        rows::set_chunk(tx, campaign.id, posted, None, 0).await?;
        Ok(posted)
    }

    /// Closes the chunks of up to `limit` campaigns in `tx` (the hourly job): spend
    /// reaches the ledger, unspent money goes back to the balance.
    pub async fn close_spend_in(&self, tx: &mut Tx, limit: u32) -> Result<usize> {
        let holding = rows::campaigns_holding(tx.conn(), Id::from_i64(0), limit).await?;
        let day = day_of(tx.now());
        for &campaign_id in &holding {
            let campaign = rows::get_campaign(tx.conn(), campaign_id).await?.ok_or(ErrorCode::AdCampaignNotFound)?;
            let spend = rows::lock_spend(tx, campaign_id, &day).await?;
            self.close_chunk(tx, &campaign, &spend).await?;
        }
        Ok(holding.len())
    }

    /// Closes every chunk now, in one transaction.
    pub async fn close_spend(&self) -> Result<usize> {
        let mut tx = self.db.begin().await?;
        let closed = self.close_spend_in(&mut tx, u32::MAX / 2).await?;
        tx.commit().await?;
        Ok(closed)
    }
}
