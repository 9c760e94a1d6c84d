//! Campaigns → ad groups → ads: what an advertiser writes, checked on every write.
//!
//! A campaign has an objective, a daily budget and an optional total budget (minor
//! units, `AD_*_BUDGET_MINOR_MAX`), and a schedule; an ad group a pricing model (CPC:
//! per click; CPM: per thousand viewable impressions), a bid, a frequency cap
//! (default 3 impressions per member per campaign per day) and its placements; an ad
//! is one note, checked by `review::check_creative` and then queued for an operator.
//! Archived objects never change again; counts are capped per parent.

use carmine_accounts::Caller;
use carmine_accounts::orgs::OrgAction;
use carmine_core::event::DomainEvent;
use carmine_core::limits::{
    AD_CAMPAIGNS_PER_ADVERTISER_MAX, AD_DAILY_BUDGET_MINOR_MAX, AD_FREQUENCY_CAP_MAX, AD_GROUPS_PER_CAMPAIGN_MAX,
    AD_NAME_CHARS_MAX, AD_SCHEDULE_DAYS_MAX, AD_TOTAL_BUDGET_MINOR_MAX, ADS_PER_GROUP_MAX,
};
use carmine_core::text::bounded_text;
use carmine_core::{Error, ErrorCode, Id, Result, Timestamp};
use carmine_store::Tx;
use carmine_store::ads::{self as rows, AdRecord, CampaignRecord, CampaignRow, GroupRecord, GroupRow};
use carmine_store::orgs::{self, OrgRecord};

use crate::AdLimits;

use crate::Ads;
use crate::targeting::{self, Targeting, TargetingInput};

const DAY_MICROS: i64 = 86_400_000_000;

macro_rules! word_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The value named `raw`, or `invalid_field(field)` listing the values.
            pub fn parse(field: &str, raw: &str) -> Result<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str() == raw).ok_or_else(|| {
                    let all: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                    Error::invalid_field(field, format!("one of {}", all.join(", ")))
                })
            }
        }
    };
}

word_enum!(
    /// What a campaign is for: it decides what its ads' predicted rate measures.
    Objective { Engagement => "engagement", Reads => "reads", Follows => "follows", ProductSales => "product_sales", Search => "search" }
);
word_enum!(
    /// CPC bids are per click; CPM bids per thousand viewable impressions.
    Pricing { Cpc => "cpc", Cpm => "cpm" }
);
word_enum!(
    /// Where an ad group's ads may be shown.
    Placement { Feed => "feed", Search => "search", Related => "related" }
);
word_enum!(
    /// A campaign's, group's or ad's own switch.
    Status { Active => "active", Paused => "paused", Archived => "archived" }
);

/// Placements from their stored comma list (unknown words skipped).
pub fn placements_of(stored: &str) -> Vec<Placement> {
    Placement::ALL.iter().copied().filter(|p| stored.split(',').any(|s| s == p.as_str())).collect()
}

/// A campaign as its advertiser writes it.
#[derive(Clone, Debug)]
pub struct CampaignInput {
    pub name: String,
    pub objective: Objective,
    pub daily_budget_minor: i64,
    pub total_budget_minor: Option<i64>,
    /// `None`: now.
    pub starts_at: Option<Timestamp>,
    pub ends_at: Option<Timestamp>,
}

impl CampaignInput {
    /// The input that keeps `campaign` as it is.
    pub fn of(campaign: &CampaignRecord) -> CampaignInput {
        CampaignInput {
            name: campaign.name.clone(),
            objective: Objective::parse("objective", &campaign.objective).unwrap_or(Objective::Engagement),
            daily_budget_minor: campaign.daily_budget_minor,
            total_budget_minor: campaign.total_budget_minor,
            starts_at: Some(campaign.starts_at),
            ends_at: campaign.ends_at,
        }
    }
}

/// An ad group as its advertiser writes it.
#[derive(Clone, Debug)]
pub struct GroupInput {
    pub name: String,
    pub pricing: Pricing,
    pub bid_minor: i64,
    pub frequency_cap: i64,
    pub placements: Vec<Placement>,
    pub targeting: TargetingInput,
}

impl GroupInput {
    pub fn of(group: &GroupRecord) -> GroupInput {
        GroupInput {
            name: group.name.clone(),
            pricing: Pricing::parse("pricing", &group.pricing).unwrap_or(Pricing::Cpc),
            bid_minor: group.bid_minor,
            frequency_cap: group.frequency_cap,
            placements: placements_of(&group.placements),
            targeting: TargetingInput::of(&Targeting::from_stored(&group.targeting)),
        }
    }
}

fn within(field: &str, value: i64, min: i64, max: i64) -> Result<i64> {
    if (min..=max).contains(&value) { Ok(value) } else { Err(Error::invalid_field(field, format!("{min} to {max}"))) }
}

/// An amount in minor units between `min` and `max`, refused in yuan with a hint
/// naming both (`{ $min }`, `{ $max }`).
fn within_money(field: &str, value: i64, min: i64, max: i64, hint: &str) -> Result<i64> {
    if (min..=max).contains(&value) {
        return Ok(value);
    }
    let (min, max) = (carmine_core::money::yuan(min), carmine_core::money::yuan(max));
    Err(Error::invalid_field(field, format!("{min} to {max}")).with_hint_args(hint, &[("min", min), ("max", max)]))
}

/// The campaign's settings checked; `previous_start` is the stored start when editing
/// (a start already past may stay).
pub(crate) fn checked_campaign(
    input: &CampaignInput,
    now: Timestamp,
    previous_start: Option<Timestamp>,
    limits: &AdLimits,
) -> Result<(String, Timestamp)> {
    let name = bounded_text("name", &input.name, 1, AD_NAME_CHARS_MAX, false)?;
    let daily_min = limits.daily_budget_min_minor;
    within_money("daily_budget", input.daily_budget_minor, daily_min, AD_DAILY_BUDGET_MINOR_MAX, "ad-daily-budget")?;
    if let Some(total) = input.total_budget_minor {
        within_money("total_budget", total, daily_min, AD_TOTAL_BUDGET_MINOR_MAX, "ad-total-budget")?;
        if total < input.daily_budget_minor {
            return Err(
                Error::invalid_field("total_budget", "at least the daily budget").with_hint("ad-total-below-daily")
            );
        }
    }
    let starts_at = match input.starts_at {
        Some(at) if Some(at) == previous_start => at,
        Some(at) if at.micros() > now.micros() + AD_SCHEDULE_DAYS_MAX * DAY_MICROS => {
            return Err(Error::invalid_field("starts_at", format!("within {AD_SCHEDULE_DAYS_MAX} days")));
        }
        Some(at) => at.max(now),
        None => previous_start.unwrap_or(now),
    };
    if let Some(ends_at) = input.ends_at {
        let longest = starts_at.micros() + AD_SCHEDULE_DAYS_MAX * DAY_MICROS;
        if ends_at <= starts_at || ends_at <= now || ends_at.micros() > longest {
            return Err(Error::invalid_field(
                "ends_at",
                format!("after the start and now, within {AD_SCHEDULE_DAYS_MAX} days of the start"),
            ));
        }
    }
    Ok((name, starts_at))
}

pub(crate) fn checked_group(input: &GroupInput, objective: Objective, limits: &AdLimits) -> Result<String> {
    let name = bounded_text("name", &input.name, 1, AD_NAME_CHARS_MAX, false)?;
    let (max, hint) = match input.pricing {
        Pricing::Cpc => (limits.cpc_bid_max_minor, "ad-bid-cpc"),
        Pricing::Cpm => (limits.cpm_bid_max_minor, "ad-bid-cpm"),
    };
    within_money("bid", input.bid_minor, 1, max, hint)?;
    within("frequency_cap", input.frequency_cap, 1, AD_FREQUENCY_CAP_MAX)?;
    if input.placements.is_empty() {
        return Err(Error::invalid_field("placements", "at least one of feed, search, related"));
    }
    if objective == Objective::Search && input.placements != [Placement::Search] {
        return Err(Error::invalid_field("placements", "search only, for a search campaign"));
    }
    Ok(name)
}

pub(crate) fn placements_text(placements: &[Placement]) -> String {
    Placement::ALL.iter().filter(|p| placements.contains(p)).map(|p| p.as_str()).collect::<Vec<_>>().join(",")
}

pub(crate) fn changeable(status: &str, missing: ErrorCode) -> Result<()> {
    match status {
        "archived" => Err(Error::new(ErrorCode::AdArchived)),
        "active" | "paused" => Ok(()),
        _ => Err(Error::new(missing)),
    }
}

impl Ads {
    /// Creates a campaign for the organization `handle`.
    pub async fn create_campaign(
        &self,
        caller: &Caller,
        handle: &str,
        input: &CampaignInput,
    ) -> Result<CampaignRecord> {
        let org = self.advertiser(caller, handle, OrgAction::ManageAds).await?;
        let now = self.db.now();
        let (name, starts_at) = checked_campaign(input, now, None, &self.config.limits)?;
        let mut tx = self.db.begin().await?;
        orgs::lock(&mut tx, org.id).await?;
        if rows::count_campaigns(tx.conn(), org.id).await? >= AD_CAMPAIGNS_PER_ADVERTISER_MAX {
            return Err(Error::new(ErrorCode::AdsLimitReached));
        }
        let row = CampaignRow {
            name: &name,
            objective: input.objective.as_str(),
            daily_budget_minor: input.daily_budget_minor,
            total_budget_minor: input.total_budget_minor,
            starts_at,
            ends_at: input.ends_at,
        };
        let id = rows::insert_campaign(&mut tx, org.id, &row, caller.user_id).await?;
        tx.emit(DomainEvent::AdCampaignChanged { campaign_id: id, advertiser_id: org.id, status: "active".into() })
            .await?;
        let campaign = rows::get_campaign(tx.conn(), id).await?.ok_or(ErrorCode::AdCampaignNotFound)?;
        tx.commit().await?;
        self.invalidate();
        Ok(campaign)
    }

    /// An organization's campaigns, newest first, after `before`.
    pub async fn campaigns(
        &self,
        caller: &Caller,
        handle: &str,
        archived: bool,
        before: Option<Id>,
        limit: u32,
    ) -> Result<(OrgRecord, Vec<CampaignRecord>)> {
        let org = self.advertiser(caller, handle, OrgAction::ViewAds).await?;
        let list = rows::campaigns_of(&mut *self.db.reader().await?, org.id, archived, before, limit).await?;
        Ok((org, list))
    }

    /// Rewrites a campaign's settings (not its objective) and its status.
    pub async fn update_campaign(
        &self,
        caller: &Caller,
        id: Id,
        input: &CampaignInput,
        status: Option<Status>,
    ) -> Result<CampaignRecord> {
        let current = self.campaign(caller, id, OrgAction::ManageAds).await?;
        changeable(&current.status, ErrorCode::AdCampaignNotFound)?;
        if input.objective.as_str() != current.objective {
            return Err(Error::invalid_field("objective", "fixed once the campaign exists"));
        }
        let (name, starts_at) = checked_campaign(input, self.db.now(), Some(current.starts_at), &self.config.limits)?;
        let mut tx = self.db.begin().await?;
        let row = CampaignRow {
            name: &name,
            objective: &current.objective,
            daily_budget_minor: input.daily_budget_minor,
            total_budget_minor: input.total_budget_minor,
            starts_at,
            ends_at: input.ends_at,
        };
        if !rows::update_campaign(&mut tx, id, &row).await? {
            return Err(Error::new(ErrorCode::AdArchived));
        }
        let status = status.map_or_else(|| current.status.clone(), |s| s.as_str().to_owned());
        rows::set_campaign_status(&mut tx, id, &status).await?;
        tx.emit(DomainEvent::AdCampaignChanged { campaign_id: id, advertiser_id: current.advertiser_id, status })
            .await?;
        let campaign = rows::get_campaign(tx.conn(), id).await?.ok_or(ErrorCode::AdCampaignNotFound)?;
        tx.commit().await?;
        self.invalidate();
        Ok(campaign)
    }

    /// Adds an ad group to a campaign.
    pub async fn create_group(&self, caller: &Caller, campaign_id: Id, input: &GroupInput) -> Result<GroupRecord> {
        let campaign = self.campaign(caller, campaign_id, OrgAction::ManageAds).await?;
        changeable(&campaign.status, ErrorCode::AdCampaignNotFound)?;
        let objective = Objective::parse("objective", &campaign.objective)?;
        let name = checked_group(input, objective, &self.config.limits)?;
        let (targeting, audience) = self.resolve_targeting(campaign.advertiser_id, input).await?;
        let mut tx = self.db.begin().await?;
        rows::lock_campaign(&mut tx, campaign_id).await?;
        if rows::groups_of(tx.conn(), campaign_id, false, AD_GROUPS_PER_CAMPAIGN_MAX as u32 + 1).await?.len() as i64
            >= AD_GROUPS_PER_CAMPAIGN_MAX
        {
            return Err(Error::new(ErrorCode::AdsLimitReached));
        }
        let placements = placements_text(&input.placements);
        let row = GroupRow {
            name: &name,
            pricing: input.pricing.as_str(),
            bid_minor: input.bid_minor,
            frequency_cap: input.frequency_cap,
            placements: &placements,
            targeting: &targeting.to_stored(),
        };
        let id = rows::insert_group(&mut tx, &campaign, &row).await?;
        rows::replace_audience(&mut tx, id, &audience).await?;
        tx.emit(DomainEvent::AdGroupChanged { group_id: id, campaign_id, status: "active".into() }).await?;
        let group = rows::get_group(tx.conn(), id).await?.ok_or(ErrorCode::AdGroupNotFound)?;
        tx.commit().await?;
        self.invalidate();
        Ok(group)
    }

    /// A campaign's ad groups.
    pub async fn groups(&self, caller: &Caller, campaign_id: Id) -> Result<(CampaignRecord, Vec<GroupRecord>)> {
        let campaign = self.campaign(caller, campaign_id, OrgAction::ViewAds).await?;
        let groups =
            rows::groups_of(&mut *self.db.reader().await?, campaign_id, false, AD_GROUPS_PER_CAMPAIGN_MAX as u32)
                .await?;
        Ok((campaign, groups))
    }

    /// Rewrites an ad group and its status.
    pub async fn update_group(
        &self,
        caller: &Caller,
        id: Id,
        input: &GroupInput,
        status: Option<Status>,
    ) -> Result<GroupRecord> {
        let (campaign, current) = self.group(caller, id, OrgAction::ManageAds).await?;
        changeable(&current.status, ErrorCode::AdGroupNotFound)?;
        let objective = Objective::parse("objective", &campaign.objective)?;
        let name = checked_group(input, objective, &self.config.limits)?;
        let (targeting, audience) = self.resolve_targeting(campaign.advertiser_id, input).await?;
        let placements = placements_text(&input.placements);
        let mut tx = self.db.begin().await?;
        let row = GroupRow {
            name: &name,
            pricing: input.pricing.as_str(),
            bid_minor: input.bid_minor,
            frequency_cap: input.frequency_cap,
            placements: &placements,
            targeting: &targeting.to_stored(),
        };
        if !rows::update_group(&mut tx, id, &row).await? {
            return Err(Error::new(ErrorCode::AdArchived));
        }
        rows::replace_audience(&mut tx, id, &audience).await?;
        let status = status.map_or_else(|| current.status.clone(), |s| s.as_str().to_owned());
        rows::set_group_status(&mut tx, id, &status).await?;
        tx.emit(DomainEvent::AdGroupChanged { group_id: id, campaign_id: campaign.id, status }).await?;
        let group = rows::get_group(tx.conn(), id).await?.ok_or(ErrorCode::AdGroupNotFound)?;
        tx.commit().await?;
        self.invalidate();
        Ok(group)
    }

    /// A group's targeting checked, with the lookalike audience it names built: its
    /// demographic audience (consenting members) and its lookalike audience must each
    /// reach `audience_min`, and a lookalike seed `targeting::SEED_MIN`.
    pub(crate) async fn resolve_targeting(&self, advertiser: Id, input: &GroupInput) -> Result<(Targeting, Vec<Id>)> {
        let mut checked = targeting::checked(&self.analyzer, &input.targeting, &input.placements)?;
        let minimum = self.config.audience_min;
        if let Some(demographics) = &checked.demographics {
            let year = self.db.now().local_date().year();
            let cells = rows::demographic_cells(&mut *self.db.reader().await?).await?;
            let reach: i64 = cells
                .iter()
                .filter(|(birth, gender, city, _)| {
                    demographics.admits(year, (*birth, gender.as_deref(), city.as_deref()))
                })
                .map(|cell| cell.3)
                .sum();
            if reach < minimum as i64 {
                return Err(targeting::too_small(minimum));
            }
        }
        let mut audience = Vec::new();
        if let Some(seed) = &input.targeting.lookalike {
            let seed_ids = rows::seed_members(&mut *self.db.reader().await?, advertiser, seed, 50_000).await?;
            if seed_ids.len() < targeting::SEED_MIN {
                return Err(Error::new(ErrorCode::AudienceTooSmall)
                    .with_details(serde_json::json!({ "field": "lookalike", "seed_minimum": targeting::SEED_MIN })));
            }
            let seed_vectors = self.feed.interest_vectors(Some(&seed_ids));
            let everyone = self.feed.interest_vectors(None);
            audience = targeting::lookalike(&seed_vectors, &everyone, self.config.lookalike_size);
            if audience.len() < minimum {
                return Err(targeting::too_small(minimum));
            }
            checked.lookalike = Some(targeting::Lookalike {
                seed: seed.clone(),
                seed_size: seed_ids.len(),
                audience_size: audience.len(),
            });
        }
        Ok((checked, audience))
    }

    /// Adds an ad of `note_id` to a group: checked now (`review::check_creative`),
    /// then waiting for an operator.
    pub async fn create_ad(&self, caller: &Caller, group_id: Id, note_id: Id) -> Result<AdRecord> {
        let (campaign, group) = self.group(caller, group_id, OrgAction::ManageAds).await?;
        changeable(&group.status, ErrorCode::AdGroupNotFound)?;
        changeable(&campaign.status, ErrorCode::AdGroupNotFound)?;
        let mut tx = self.db.begin().await?;
        rows::lock_group(&mut tx, group_id).await?;
        crate::review::check_creative(tx.conn(), &campaign, note_id).await?;
        let ads = rows::ads_of(tx.conn(), group_id, false, ADS_PER_GROUP_MAX as u32 + 1).await?;
        if ads.iter().any(|a| a.note_id == note_id) {
            return Err(Error::invalid_field("note_id", "a note not already in this ad group"));
        }
        if ads.len() as i64 >= ADS_PER_GROUP_MAX {
            return Err(Error::new(ErrorCode::AdsLimitReached));
        }
        let id = rows::insert_ad(&mut tx, &group, note_id, caller.user_id).await?;
        tx.emit(DomainEvent::AdChanged {
            ad_id: id,
            group_id,
            note_id,
            review_status: "pending".into(),
            status: "active".into(),
        })
        .await?;
        let ad = rows::get_ad(tx.conn(), id).await?.ok_or(ErrorCode::AdNotFound)?;
        tx.commit().await?;
        self.invalidate();
        Ok(ad)
    }

    /// A group's ads.
    pub async fn ads(&self, caller: &Caller, group_id: Id) -> Result<(CampaignRecord, GroupRecord, Vec<AdRecord>)> {
        let (campaign, group) = self.group(caller, group_id, OrgAction::ViewAds).await?;
        let ads = rows::ads_of(&mut *self.db.reader().await?, group_id, false, ADS_PER_GROUP_MAX as u32).await?;
        Ok((campaign, group, ads))
    }

    /// Pauses, resumes or archives an ad.
    pub async fn set_ad_status(&self, caller: &Caller, id: Id, status: Status) -> Result<AdRecord> {
        let (_, _, current) = self.ad(caller, id, OrgAction::ManageAds).await?;
        changeable(&current.status, ErrorCode::AdNotFound)?;
        let mut tx = self.db.begin().await?;
        if !rows::set_ad_status(&mut tx, id, status.as_str()).await? {
            return Err(Error::new(ErrorCode::AdArchived));
        }
        let ad = emit_ad(&mut tx, id).await?;
        tx.commit().await?;
        self.invalidate();
        Ok(ad)
    }
}

/// Emits an ad's change in `tx`, answering the ad as it now is.
pub(crate) async fn emit_ad(tx: &mut Tx, id: Id) -> Result<AdRecord> {
    let ad = rows::get_ad(tx.conn(), id).await?.ok_or(ErrorCode::AdNotFound)?;
    tx.emit(DomainEvent::AdChanged {
        ad_id: id,
        group_id: ad.group_id,
        note_id: ad.note_id,
        review_status: ad.review_status.clone(),
        status: ad.status.clone(),
    })
    .await?;
    Ok(ad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn campaign(daily: i64, total: Option<i64>, start: i64, end: Option<i64>) -> CampaignInput {
        CampaignInput {
            name: "Spring".into(),
            objective: Objective::Engagement,
            daily_budget_minor: daily,
            total_budget_minor: total,
            starts_at: Some(Timestamp(start)),
            ends_at: end.map(Timestamp),
        }
    }

    #[test]
    fn budgets_and_schedules_outside_their_bounds_name_their_field() {
        let now = Timestamp(1_000 * DAY_MICROS);
        let day = DAY_MICROS;
        let limits = AdLimits::default();
        let cases = [
            (campaign(0, None, now.0, None), "daily_budget"),
            (campaign(limits.daily_budget_min_minor - 1, None, now.0, None), "daily_budget"),
            (campaign(-5, None, now.0, None), "daily_budget"),
            (campaign(AD_DAILY_BUDGET_MINOR_MAX + 1, None, now.0, None), "daily_budget"),
            (campaign(10_000, Some(0), now.0, None), "total_budget"),
            (campaign(10_000, Some(9_999), now.0, None), "total_budget"),
            (campaign(10_000, Some(AD_TOTAL_BUDGET_MINOR_MAX + 1), now.0, None), "total_budget"),
            (campaign(10_000, None, now.0 + 400 * day, None), "starts_at"),
            (campaign(10_000, None, now.0, Some(now.0)), "ends_at"),
            (campaign(10_000, None, now.0, Some(now.0 + 367 * day)), "ends_at"),
        ];
        for (input, field) in cases {
            let error = checked_campaign(&input, now, None, &AdLimits::default()).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidField, "{input:?}");
            assert_eq!(error.details.as_ref().unwrap()["field"], field, "{input:?}");
        }
        let (_, start) =
            checked_campaign(&campaign(10_000, Some(10_000), now.0 - day, Some(now.0 + day)), now, None, &limits)
                .unwrap();
        assert_eq!(start, now, "a start in the past starts now");
    }

    #[test]
    fn a_search_campaign_runs_in_search_only() {
        let mut group = GroupInput {
            name: "Keywords".into(),
            pricing: Pricing::Cpc,
            bid_minor: 150,
            frequency_cap: 3,
            placements: vec![Placement::Search, Placement::Feed],
            targeting: TargetingInput::default(),
        };
        let limits = AdLimits::default();
        assert!(checked_group(&group, Objective::Engagement, &limits).is_ok());
        assert!(checked_group(&group, Objective::Search, &limits).is_err());
        group.placements = vec![Placement::Search];
        assert!(checked_group(&group, Objective::Search, &limits).is_ok());
        group.placements.clear();
        assert!(checked_group(&group, Objective::Engagement, &limits).is_err());
        let cpc = |bid| GroupInput { bid_minor: bid, placements: vec![Placement::Feed], ..group.clone() };
        let cpm = |bid| GroupInput { pricing: Pricing::Cpm, ..cpc(bid) };
        for input in [cpc(0), cpc(-1), cpc(limits.cpc_bid_max_minor + 1), cpm(limits.cpm_bid_max_minor + 1)] {
            let error = checked_group(&input, Objective::Reads, &limits).unwrap_err();
            assert_eq!(error.details.unwrap()["field"], "bid");
        }
        assert!(checked_group(&cpm(limits.cpm_bid_max_minor), Objective::Reads, &limits).is_ok(), "CPM bids go higher");
        assert_eq!(placements_text(&[Placement::Related, Placement::Feed]), "feed,related");
        assert_eq!(placements_of("feed,related"), vec![Placement::Feed, Placement::Related]);
    }
}
