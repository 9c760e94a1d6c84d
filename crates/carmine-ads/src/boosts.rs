//! Boosts (ADR 0032): a member pays coins to show one of their own public notes to
//! more members likely to care. A boost is a campaign of the member (objective = its
//! goal: likes and saves, reads or new followers) with one ad group — CPM at the
//! instance's boost bid, in the feed and related notes, targeted at the note's
//! topics — and one ad, the note, reviewed like every ad ("Promoted" on the card).
//!
//! Money: creating a boost moves its coins into the member's boost balance (an
//! `AdBalance` account of the member) in the same transaction as the rows, so they
//! cannot be spent twice; billing spends from there by chunks like any campaign.
//! The boost runs `hours` from its approval, paced over that window
//! (`pacing::window_allowance`). When it ends — or is rejected, or the member stops
//! it — `ads.settle_boosts` closes its chunk and gives the unspent money back to the
//! coins, once (`settled_at`). Invalid traffic found later is credited to the coins.

use carmine_accounts::Caller;
use carmine_core::event::DomainEvent;
use carmine_core::limits::{
    AD_CAMPAIGNS_PER_ADVERTISER_MAX, BOOST_COINS_MAX, BOOST_COINS_MIN, BOOST_HOURS_MAX, BOOST_HOURS_MIN,
};
use carmine_core::{Error, ErrorCode, Id, Result, Timestamp};
use carmine_ledger::idempotency::{self, IdempotencyKey, Outcome, Prior};
use carmine_ledger::posting::{self, Header, Leg};
use carmine_ledger::{AccountKind, AccountRef, Owner};
use carmine_store::ads::{self as rows, AdRecord, CampaignRecord, CampaignRow, GroupRow};
use carmine_store::{Tx, notes};

use crate::structure::{Objective, Placement, Pricing};
use crate::targeting::{self, TargetingInput};
use crate::{Ads, billing};

/// The coin amounts offered first (custom amounts are allowed between the limits).
pub const PRESET_COINS: [i64; 4] = [100, 300, 500, 1_000];

/// The goals a boost may have (its campaign's objective).
pub const GOALS: [&str; 3] = ["engagement", "reads", "follows"];

/// The durations offered, in hours.
pub const PRESET_HOURS: [i64; 5] = [6, 12, 24, 72, 168];

/// A boost's ad group sees each member at most this often a day.
const BOOST_FREQUENCY_CAP: i64 = 2;

/// The most topics of the note a boost targets.
const BOOST_TOPICS_MAX: usize = 10;

/// What a member asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoostInput {
    pub note_id: Id,
    pub coins: i64,
    /// `engagement` (likes and saves), `reads` or `follows`.
    pub goal: Objective,
    pub hours: i64,
}

/// Where a boost stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoostState {
    InReview,
    Serving,
    Rejected,
    /// The member stopped it.
    Stopped,
    Finished,
}

impl BoostState {
    pub const ALL: [BoostState; 5] =
        [BoostState::InReview, BoostState::Serving, BoostState::Rejected, BoostState::Stopped, BoostState::Finished];

    pub fn as_str(self) -> &'static str {
        match self {
            BoostState::InReview => "in_review",
            BoostState::Serving => "serving",
            BoostState::Rejected => "rejected",
            BoostState::Stopped => "stopped",
            BoostState::Finished => "finished",
        }
    }
}

/// A boost and its results so far.
#[derive(Clone, Debug)]
pub struct Boost {
    pub campaign: CampaignRecord,
    pub ad: AdRecord,
    pub state: BoostState,
    /// Its budget, what it spent and (once settled) what went back, in minor units.
    pub budget_minor: i64,
    pub spent_minor: i64,
    pub refunded_minor: Option<i64>,
    pub coin_minor: i64,
    /// Viewable impressions and clicks (invalid ones left out).
    pub viewable: i64,
    pub clicks: i64,
    /// What members who came through it did: (kind, count).
    pub engagements: Vec<(String, i64)>,
}

impl Boost {
    /// Engagements of `kind`.
    pub fn count(&self, kind: &str) -> i64 {
        self.engagements.iter().find(|(k, _)| k == kind).map_or(0, |(_, n)| *n)
    }

    /// What the goal counts: likes + saves, reads, or new followers.
    pub fn goal_results(&self) -> i64 {
        match self.campaign.objective.as_str() {
            "reads" => self.count("read"),
            "follows" => self.count("follow"),
            _ => self.count("like") + self.count("save"),
        }
    }
}

/// The goals a boost may have.
fn goal(objective: Objective) -> Result<&'static str> {
    match objective {
        Objective::Engagement | Objective::Reads | Objective::Follows => Ok(objective.as_str()),
        _ => Err(Error::invalid_field("goal", "engagement, reads or follows")),
    }
}

/// Coins outside the limits (or not a whole number), explained in either language.
pub fn coins_out_of_range() -> Error {
    Error::invalid_field("coins", format!("{BOOST_COINS_MIN} to {BOOST_COINS_MAX} whole coins"))
        .with_hint_args("boost-coins", &[("min", grouped(BOOST_COINS_MIN)), ("max", grouped(BOOST_COINS_MAX))])
}

/// A whole number with thousands grouped (`100,000`).
fn grouped(n: i64) -> String {
    carmine_core::money::yuan(n * 100).trim_start_matches('¥').trim_end_matches(".00").to_owned()
}

fn boost_balance(member: Id, currency: carmine_core::money::Currency) -> AccountRef {
    AccountRef::new(Owner::User(member), AccountKind::AdBalance, currency)
}

fn coins_of(member: Id, currency: carmine_core::money::Currency) -> AccountRef {
    AccountRef::new(Owner::User(member), AccountKind::Coins, currency)
}

impl Ads {
    /// Boosts the caller's own note from their coins; in review until an operator
    /// approves it, when it starts. Idempotent by `key`.
    pub async fn create_boost(&self, caller: &Caller, input: &BoostInput, key: &IdempotencyKey) -> Result<Boost> {
        let idempotency = self.ledger.idempotency();
        let _guard = match idempotency.begin(key).await? {
            Prior::Done(Outcome::Made(id)) | Prior::Interrupted { resource: Some(id), .. } => {
                return self.boost(caller, id).await;
            }
            Prior::Done(Outcome::Refused(error)) => return Err(error),
            Prior::Interrupted { resource: None, guard } | Prior::Fresh(guard) => guard,
        };
        let expires_at = idempotency.expires_at(self.db.now());
        match self.start_boost(caller, input, key, expires_at).await {
            Ok(id) => self.boost(caller, id).await,
            Err(error) => Err(idempotency::refuse(&self.db, key, expires_at, error).await),
        }
    }

    async fn start_boost(
        &self,
        caller: &Caller,
        input: &BoostInput,
        key: &IdempotencyKey,
        key_expires_at: Timestamp,
    ) -> Result<Id> {
        let objective = goal(input.goal)?;
        if !(BOOST_COINS_MIN..=BOOST_COINS_MAX).contains(&input.coins) {
            return Err(coins_out_of_range());
        }
        if !(BOOST_HOURS_MIN..=BOOST_HOURS_MAX).contains(&input.hours) {
            return Err(Error::invalid_field("hours", format!("{BOOST_HOURS_MIN} to {BOOST_HOURS_MAX}"))
                .with_hint("boost-hours"));
        }
        let coin_minor = self.ledger.config().coin_minor;
        let budget = input.coins * coin_minor;
        let mut conn = self.db.reader().await?;
        let note = notes::get(&mut conn, input.note_id).await?.ok_or(ErrorCode::NoteNotFound)?;
        if note.author_id != caller.user_id || note.status == "deleted" {
            return Err(Error::new(ErrorCode::NoteNotFound));
        }
        let topics = notes::topics(&mut conn, input.note_id).await?;
        drop(conn);
        let placements = [Placement::Feed, Placement::Related];
        let targeting_input = TargetingInput {
            interests: topics.into_iter().take(BOOST_TOPICS_MAX).collect(),
            ..TargetingInput::default()
        };
        let targeting = targeting::checked(&self.analyzer, &targeting_input, &placements)?;
        let now = self.db.now();
        let mut tx = self.db.begin().await?;
        carmine_store::users::lock(&mut tx, caller.user_id).await?;
        if rows::count_campaigns(tx.conn(), caller.user_id).await? >= AD_CAMPAIGNS_PER_ADVERTISER_MAX {
            return Err(Error::new(ErrorCode::AdsLimitReached));
        }
        // Named after the note (the goal is the campaign's objective).
        let name: String = note.title.chars().take(60).collect();
        let row = CampaignRow {
            name: if name.trim().is_empty() { objective } else { name.trim() },
            objective,
            // A boost is paced over its own window; the day does not limit it.
            daily_budget_minor: budget,
            total_budget_minor: Some(budget),
            starts_at: now,
            ends_at: Some(now.plus_seconds(input.hours * 3_600)),
        };
        let campaign_id = rows::insert_campaign(&mut tx, caller.user_id, &row, caller.user_id).await?;
        rows::mark_boost(&mut tx, campaign_id, input.hours).await?;
        let campaign = rows::get_campaign(tx.conn(), campaign_id).await?.ok_or(ErrorCode::BoostNotFound)?;
        // The note must be one the member may advertise: public, published, not limited.
        crate::review::check_creative(tx.conn(), &campaign, input.note_id).await?;
        let placements_text = "feed,related";
        let group_row = GroupRow {
            name: objective,
            pricing: Pricing::Cpm.as_str(),
            bid_minor: self.config.boost_cpm_minor,
            frequency_cap: BOOST_FREQUENCY_CAP,
            placements: placements_text,
            targeting: &targeting.to_stored(),
        };
        let group_id = rows::insert_group(&mut tx, &campaign, &group_row).await?;
        let group = rows::get_group(tx.conn(), group_id).await?.ok_or(ErrorCode::BoostNotFound)?;
        let ad_id = rows::insert_ad(&mut tx, &group, input.note_id, caller.user_id).await?;
        // The coins move to the boost balance with the rows, or nothing happens.
        let coins = carmine_ledger::account_in(&mut tx, coins_of(caller.user_id, self.currency)).await?;
        let balance = carmine_ledger::account_in(&mut tx, boost_balance(caller.user_id, self.currency)).await?;
        let legs = [
            Leg { account_id: coins, currency: self.currency, amount: -budget },
            Leg { account_id: balance, currency: self.currency, amount: budget },
        ];
        posting::post(&mut tx, &Header::new("boost", "ad_campaign", campaign_id, "boost"), &legs).await?;
        tx.emit(DomainEvent::AdCampaignChanged { campaign_id, advertiser_id: caller.user_id, status: "active".into() })
            .await?;
        crate::structure::emit_ad(&mut tx, ad_id).await?;
        idempotency::claim(&mut tx, key, Some(campaign_id), key_expires_at).await?;
        idempotency::finish(&mut tx, key, &Ok(campaign_id)).await?;
        tx.commit().await?;
        self.invalidate();
        Ok(campaign_id)
    }

    /// One of the caller's boosts with its results (404 for anyone else's).
    pub async fn boost(&self, caller: &Caller, id: Id) -> Result<Boost> {
        let mut conn = self.db.reader().await?;
        let campaign = rows::get_campaign(&mut conn, id)
            .await?
            .filter(|c| c.advertiser_id == caller.user_id && c.boost_hours.is_some())
            .ok_or(ErrorCode::BoostNotFound)?;
        let group =
            rows::groups_of(&mut conn, id, true, 1).await?.into_iter().next().ok_or(ErrorCode::BoostNotFound)?;
        let ad =
            rows::ads_of(&mut conn, group.id, true, 1).await?.into_iter().next().ok_or(ErrorCode::BoostNotFound)?;
        let spend = rows::spend(&mut conn, id).await?;
        let (viewable, clicks) = rows::served_totals(&mut conn, id).await?;
        let engagements = rows::engagements_of(&mut conn, id).await?;
        let now = self.db.now();
        let state = match (ad.review_status.as_str(), campaign.status.as_str()) {
            ("rejected", _) => BoostState::Rejected,
            ("pending", "active") => BoostState::InReview,
            (_, "active" | "paused") if campaign.ends_at.is_none_or(|end| end > now) => BoostState::Serving,
            _ if campaign.ends_at.is_some_and(|end| end <= now) => BoostState::Finished,
            _ => BoostState::Stopped,
        };
        let budget = campaign.total_budget_minor.unwrap_or(0);
        let spent = spend.as_ref().map_or(0, |s| s.spent_total_millis / 1_000);
        Ok(Boost {
            refunded_minor: campaign.settled_at.map(|_| budget - spend.as_ref().map_or(0, |s| s.posted_minor)),
            budget_minor: budget,
            spent_minor: spent,
            coin_minor: self.ledger.config().coin_minor,
            viewable,
            clicks,
            engagements,
            state,
            campaign,
            ad,
        })
    }

    /// The caller's boosts, newest first.
    pub async fn boosts(&self, caller: &Caller, before: Option<Id>, limit: u32) -> Result<Vec<Boost>> {
        let campaigns = rows::campaigns_of(&mut *self.db.reader().await?, caller.user_id, true, before, limit).await?;
        let mut out = Vec::with_capacity(campaigns.len());
        for campaign in campaigns.iter().filter(|c| c.boost_hours.is_some()) {
            out.push(self.boost(caller, campaign.id).await?);
        }
        Ok(out)
    }

    /// Stops one of the caller's boosts now; its unspent coins go back at once.
    pub async fn stop_boost(&self, caller: &Caller, id: Id) -> Result<Boost> {
        let boost = self.boost(caller, id).await?;
        if matches!(boost.state, BoostState::InReview | BoostState::Serving) {
            let mut tx = self.db.begin().await?;
            if rows::set_campaign_status(&mut tx, id, "archived").await? {
                tx.emit(DomainEvent::AdCampaignChanged {
                    campaign_id: id,
                    advertiser_id: caller.user_id,
                    status: "archived".into(),
                })
                .await?;
            }
            self.settle_boost(&mut tx, id).await?;
            tx.commit().await?;
            self.invalidate();
        }
        self.boost(caller, id).await
    }

    /// When an operator approves a boost, it starts now and runs its hours.
    pub(crate) async fn start_approved_boost(&self, tx: &mut Tx, campaign: &CampaignRecord) -> Result<()> {
        if let Some(hours) = campaign.boost_hours {
            let now = tx.now();
            rows::reschedule(tx, campaign.id, now, now.plus_seconds(hours * 3_600)).await?;
        }
        Ok(())
    }

    /// Settles a boost that is over: closes its chunk (what it spent is posted) and
    /// gives the rest of its budget back to the member's coins. Once: a settled boost
    /// changes nothing.
    pub(crate) async fn settle_boost(&self, tx: &mut Tx, id: Id) -> Result<bool> {
        let campaign = rows::get_campaign(tx.conn(), id).await?.ok_or(ErrorCode::BoostNotFound)?;
        if campaign.boost_hours.is_none() || campaign.settled_at.is_some() {
            return Ok(false);
        }
        let spend = rows::lock_spend(tx, id, &billing::day_of(tx.now())).await?;
        let posted = self.close_chunk(tx, &campaign, &spend).await?;
        if !rows::settle_boost(tx, id).await? {
            return Ok(false);
        }
        // A boost still waiting for review leaves the queue.
        for group in rows::groups_of(tx.conn(), id, false, 1).await? {
            for ad in rows::ads_of(tx.conn(), group.id, false, 1).await? {
                rows::set_ad_status(tx, ad.id, "archived").await?;
            }
        }
        let refund = campaign.total_budget_minor.unwrap_or(0) - posted;
        if refund > 0 {
            self.to_coins(tx, &campaign, refund, "boost_refund").await?;
        }
        Ok(true)
    }

    /// Moves `amount` of a member's boost balance back to their coins.
    pub(crate) async fn to_coins(&self, tx: &mut Tx, campaign: &CampaignRecord, amount: i64, kind: &str) -> Result<()> {
        let member = campaign.advertiser_id;
        let balance = carmine_ledger::account_in(tx, boost_balance(member, self.currency)).await?;
        let coins = carmine_ledger::account_in(tx, coins_of(member, self.currency)).await?;
        let legs = [
            Leg { account_id: balance, currency: self.currency, amount: -amount },
            Leg { account_id: coins, currency: self.currency, amount },
        ];
        posting::post(tx, &Header::new(kind, "ad_campaign", campaign.id, kind), &legs).await?;
        Ok(())
    }

    /// Settles up to `limit` boosts that are over (the `ads.settle_boosts` job).
    pub async fn settle_boosts_in(&self, tx: &mut Tx, limit: u32) -> Result<usize> {
        let now = tx.now();
        let due = rows::boosts_to_settle(tx.conn(), now, limit).await?;
        let mut settled = 0;
        for id in due {
            settled += usize::from(self.settle_boost(tx, id).await?);
        }
        if settled > 0 {
            self.invalidate();
        }
        Ok(settled)
    }
}
