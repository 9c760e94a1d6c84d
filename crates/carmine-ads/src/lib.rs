//! Advertising (ADR 0028). An advertiser — an organization, or later a member
//! boosting their own note — runs campaigns (objective, daily and total budget,
//! schedule) of ad groups (pricing, bid, frequency cap, placements) of ads, each an
//! existing note: the advertiser's own, or a creator's note the creator authorised
//! for this organization (`authorisations`). Every ad passes automatic checks when it
//! is created and an operator's review before it serves (`review`).
//!
//! Who may do what is the organization role matrix (`ViewAds`, `ManageAds`; funding
//! the ad balance is `ManageMoney`). A caller outside the advertiser gets 404 for
//! every object of it.
//!
//! Must never: know HTTP, or change how organic notes rank — ads only add sponsored
//! cards to pages.

pub mod auction;
pub mod authorisations;
pub mod billing;
pub mod boosts;
pub mod ctr;
pub mod delivery;
pub mod duplicate;
pub mod engagements;
pub mod events;
pub mod forecast;
pub mod invalid;
pub mod jobs;
pub mod pacing;
pub mod reports;
pub mod review;
pub mod serving;
pub mod structure;
pub mod targeting;
pub mod tokens;

use carmine_accounts::orgs::OrgAction;
use carmine_accounts::{Accounts, Caller};
use std::sync::Arc;

use carmine_core::money::Currency;
use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_feed::Feed;
use carmine_search::Analyzer;
use carmine_store::Db;
use carmine_store::ads::{self as rows, AdRecord, CampaignRecord, GroupRecord};
use carmine_store::orgs::{self, OrgRecord};

pub use delivery::Delivery;
pub use serving::{FillRequest, Sponsored};
pub use structure::{CampaignInput, GroupInput, Objective, Placement, Pricing, Status};
pub use targeting::{MatchType, Targeting, TargetingInput};

/// How advertising behaves on this instance (the operator's settings).
#[derive(Clone, Debug)]
pub struct AdsConfig {
    /// The fewest members a demographic or lookalike audience may hold.
    pub audience_min: usize,
    /// The most members a lookalike audience holds.
    pub lookalike_size: usize,
    /// Each placement's reserve, an eCPM in minor units per thousand impressions.
    pub reserve_feed: i64,
    pub reserve_search: i64,
    pub reserve_related: i64,
    /// The relevance floor's α: an ad is shown only if its predicted engagement is at
    /// least α × that of the organic note it displaces.
    pub relevance_floor: f64,
    /// Ad load: the position of the first ad (1-based) and the gap to the next, per
    /// placement.
    pub feed_load: AdLoad,
    pub search_load: AdLoad,
    pub related_load: AdLoad,
    /// What advertisers may set.
    pub limits: AdLimits,
    /// What a boost bids per thousand viewable impressions (CPM), in minor units.
    pub boost_cpm_minor: i64,
    /// Report cells of fewer members are left out (age band, gender, search term).
    pub report_cell_min: usize,
}

/// The budgets and bids advertisers may set, in minor units (operator settings; the
/// hard ceilings are `carmine_core::limits`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdLimits {
    /// The least daily budget (and total budget).
    pub daily_budget_min_minor: i64,
    /// The highest bid per click.
    pub cpc_bid_max_minor: i64,
    /// The highest bid per thousand viewable impressions.
    pub cpm_bid_max_minor: i64,
}

impl Default for AdLimits {
    /// The issue's: a daily budget of at least ¥10; bids up to ¥1,000 a click or
    /// ¥10,000 per thousand impressions.
    fn default() -> AdLimits {
        AdLimits { daily_budget_min_minor: 1_000, cpc_bid_max_minor: 100_000, cpm_bid_max_minor: 1_000_000 }
    }
}

/// Where sponsored cards go in a list: at `first` (1-based), then every `every`;
/// with `after_short_lists`, a list shorter than `first` gets one at its end (search:
/// a keyword's ad still answers a search with few results).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdLoad {
    pub first: usize,
    pub every: usize,
    pub after_short_lists: bool,
}

impl AdLoad {
    /// The 0-based positions of a list of `len` cards that hold ads.
    pub fn positions(&self, len: usize) -> Vec<usize> {
        let first = self.first.max(1) - 1;
        if len <= first {
            return if self.after_short_lists { vec![len] } else { Vec::new() };
        }
        (first..len).step_by(self.every.max(1)).collect()
    }
}

impl Default for AdsConfig {
    fn default() -> AdsConfig {
        AdsConfig {
            audience_min: 1_000,
            lookalike_size: 10_000,
            reserve_feed: 500,
            reserve_search: 800,
            reserve_related: 400,
            relevance_floor: 0.5,
            feed_load: AdLoad { first: 6, every: 10, after_short_lists: false },
            search_load: AdLoad { first: 3, every: 10, after_short_lists: true },
            related_load: AdLoad { first: 4, every: 10, after_short_lists: false },
            limits: AdLimits::default(),
            boost_cpm_minor: 2_000,
            report_cell_min: 50,
        }
    }
}

impl AdsConfig {
    /// The auction's rules on `placement`.
    pub fn rules(&self, placement: Placement) -> auction::Rules {
        let reserve = match placement {
            Placement::Feed => self.reserve_feed,
            Placement::Search => self.reserve_search,
            Placement::Related => self.reserve_related,
        };
        auction::Rules { reserve_ecpm: reserve as f64, relevance_floor: self.relevance_floor }
    }

    /// Where ads go on `placement`.
    pub fn load(&self, placement: Placement) -> AdLoad {
        match placement {
            Placement::Feed => self.feed_load,
            Placement::Search => self.search_load,
            Placement::Related => self.related_load,
        }
    }
}

/// The advertising context's service.
#[derive(Clone)]
pub struct Ads {
    db: Db,
    accounts: Accounts,
    feed: Feed,
    analyzer: Analyzer,
    config: AdsConfig,
    /// Boosts move coins and keep idempotency keys through it.
    ledger: carmine_ledger::Ledger,
    /// The instance's currency (the ledger's).
    currency: Currency,
    /// Signs served ads' tokens (`tokens`), kept in `instance_secrets`.
    token_secret: Arc<Vec<u8>>,
    /// The ads that may serve, kept a few seconds (`serving`).
    serving: serving::SharedServing,
}

/// What the advertising context is built from.
pub struct AdsParts {
    pub db: Db,
    pub accounts: Accounts,
    pub feed: Feed,
    pub analyzer: Analyzer,
    pub config: AdsConfig,
    pub ledger: carmine_ledger::Ledger,
}

impl Ads {
    /// The service, with the instance's token secret (created on first start).
    pub async fn open(parts: AdsParts) -> Result<Ads> {
        let secret = carmine_store::secrets::get_or_create(&parts.db, "ad_token_secret", || {
            carmine_core::secret::random_token(32)
        })
        .await?;
        Ok(Ads {
            db: parts.db,
            accounts: parts.accounts,
            feed: parts.feed,
            analyzer: parts.analyzer,
            config: parts.config,
            currency: parts.ledger.config().currency,
            ledger: parts.ledger,
            token_secret: Arc::new(secret.into_bytes()),
            serving: Default::default(),
        })
    }

    /// Timed work: closing spend chunks and crediting invalid traffic, hourly;
    /// settling boosts that ended, every few minutes.
    pub fn job_handlers(&self) -> Vec<Arc<dyn carmine_jobs::JobHandler>> {
        vec![
            Arc::new(jobs::CloseSpend { ads: self.clone() }),
            Arc::new(jobs::InvalidTraffic { ads: self.clone() }),
            Arc::new(jobs::SettleBoosts { ads: self.clone() }),
        ]
    }

    pub fn config(&self) -> &AdsConfig {
        &self.config
    }

    /// The analyzer keywords and queries are segmented with.
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The organization `handle` if the caller may do `action` there (404 for a
    /// stranger, 403 for a role too low).
    pub async fn advertiser(&self, caller: &Caller, handle: &str, action: OrgAction) -> Result<OrgRecord> {
        Ok(self.accounts.authorize_org(caller, handle, action).await?.org)
    }

    /// The advertiser owning `advertiser_id`, if the caller may do `action` for it;
    /// `missing` (a 404) when they may not know it.
    async fn authorize(&self, caller: &Caller, advertiser_id: Id, action: OrgAction, missing: ErrorCode) -> Result<()> {
        if advertiser_id == caller.user_id {
            return Ok(());
        }
        let org = orgs::get(&mut *self.db.reader().await?, advertiser_id).await?.ok_or(missing)?;
        match self.accounts.authorize_org(caller, &org.handle, action).await {
            Err(e) if e.code == ErrorCode::OrgNotFound => Err(Error::new(missing)),
            other => other.map(|_| ()),
        }
    }

    /// A campaign the caller may do `action` on.
    pub async fn campaign(&self, caller: &Caller, id: Id, action: OrgAction) -> Result<CampaignRecord> {
        let campaign =
            rows::get_campaign(&mut *self.db.reader().await?, id).await?.ok_or(ErrorCode::AdCampaignNotFound)?;
        self.authorize(caller, campaign.advertiser_id, action, ErrorCode::AdCampaignNotFound).await?;
        Ok(campaign)
    }

    /// An ad group (and its campaign) the caller may do `action` on.
    pub async fn group(&self, caller: &Caller, id: Id, action: OrgAction) -> Result<(CampaignRecord, GroupRecord)> {
        let mut conn = self.db.reader().await?;
        let group = rows::get_group(&mut conn, id).await?.ok_or(ErrorCode::AdGroupNotFound)?;
        let campaign = rows::get_campaign(&mut conn, group.campaign_id).await?.ok_or(ErrorCode::AdGroupNotFound)?;
        drop(conn);
        self.authorize(caller, group.advertiser_id, action, ErrorCode::AdGroupNotFound).await?;
        Ok((campaign, group))
    }

    /// An ad (with its group and campaign) the caller may do `action` on.
    pub async fn ad(
        &self,
        caller: &Caller,
        id: Id,
        action: OrgAction,
    ) -> Result<(CampaignRecord, GroupRecord, AdRecord)> {
        let mut conn = self.db.reader().await?;
        let ad = rows::get_ad(&mut conn, id).await?.ok_or(ErrorCode::AdNotFound)?;
        let group = rows::get_group(&mut conn, ad.group_id).await?.ok_or(ErrorCode::AdNotFound)?;
        let campaign = rows::get_campaign(&mut conn, ad.campaign_id).await?.ok_or(ErrorCode::AdNotFound)?;
        drop(conn);
        self.authorize(caller, ad.advertiser_id, action, ErrorCode::AdNotFound).await?;
        Ok((campaign, group, ad))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ad_load_places_the_first_ad_then_every_tenth() {
        let config = AdsConfig::default();
        assert_eq!(config.load(Placement::Feed).positions(30), [5, 15, 25], "6th, 16th, 26th card");
        assert_eq!(config.load(Placement::Search).positions(20), [2, 12]);
        assert!(config.load(Placement::Feed).positions(5).is_empty(), "a short page has no ad");
        assert_eq!(config.load(Placement::Search).positions(1), [1], "after a short search's results");
        assert_eq!(config.load(Placement::Search).positions(0), [0]);
        assert_eq!(config.rules(Placement::Search).relevance_floor, 0.5);
        assert_eq!(config.audience_min, 1_000, "the issue's threshold");
    }
}
