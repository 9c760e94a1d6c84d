//! Copies in the ads manager: a campaign with its ad groups and ads, or one ad group
//! (with its ads) within its campaign.
//!
//! A copy is paused (nothing it holds spends until its advertiser resumes it) and its
//! ads wait for an operator again (a review approves an ad, not a note). Its groups
//! keep their settings, targeting and status, a lookalike audience is built afresh,
//! archived groups and ads are not copied, and an ad whose note no longer passes the
//! automatic checks is left out and counted. Everything is checked first and written
//! in one transaction: a copy is whole or not made. A boost is not copied.

use carmine_accounts::Caller;
use carmine_accounts::orgs::OrgAction;
use carmine_core::event::DomainEvent;
use carmine_core::limits::{AD_CAMPAIGNS_PER_ADVERTISER_MAX, AD_GROUPS_PER_CAMPAIGN_MAX, ADS_PER_GROUP_MAX};
use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_store::Tx;
use carmine_store::ads::{self as rows, AdRecord, CampaignRecord, CampaignRow, GroupRecord, GroupRow};
use carmine_store::orgs;

use crate::Ads;
use crate::review::check_creative;
use crate::structure::{
    CampaignInput, GroupInput, Objective, changeable, checked_campaign, checked_group, emit_ad, placements_text,
};
use crate::targeting::Targeting;

/// A copy, and how many ads of the original it left out (their notes no longer pass).
#[derive(Clone, Debug)]
pub struct Copied<T> {
    pub copy: T,
    pub ads_left_out: usize,
}

/// A group of the original, checked and ready to be written again.
struct PreparedGroup {
    source: GroupRecord,
    input: GroupInput,
    targeting: Targeting,
    audience: Vec<Id>,
    ads: Vec<AdRecord>,
}

impl Ads {
    /// Copies campaign `id` (and its groups and ads) under `name`, paused.
    pub async fn duplicate_campaign(&self, caller: &Caller, id: Id, name: &str) -> Result<Copied<CampaignRecord>> {
        let source = self.campaign(caller, id, OrgAction::ManageAds).await?;
        if source.boost_hours.is_some() {
            return Err(Error::new(ErrorCode::AdCampaignNotFound));
        }
        let now = self.db.now();
        // A schedule already past starts now; an end already past is dropped.
        let input = CampaignInput {
            name: name.to_owned(),
            starts_at: Some(source.starts_at.max(now)),
            ends_at: source.ends_at.filter(|end| *end > source.starts_at.max(now)),
            ..CampaignInput::of(&source)
        };
        let (name, starts_at) = checked_campaign(&input, now, None, &self.config.limits)?;
        let groups =
            rows::groups_of(&mut *self.db.reader().await?, id, false, AD_GROUPS_PER_CAMPAIGN_MAX as u32).await?;
        let mut prepared = Vec::with_capacity(groups.len());
        for group in groups {
            prepared.push(self.prepare(&source, group, None).await?);
        }
        let mut tx = self.db.begin().await?;
        if !orgs::lock(&mut tx, source.advertiser_id).await? {
            return Err(Error::new(ErrorCode::AdCampaignNotFound));
        }
        if rows::count_campaigns(tx.conn(), source.advertiser_id).await? >= AD_CAMPAIGNS_PER_ADVERTISER_MAX {
            return Err(Error::new(ErrorCode::AdsLimitReached));
        }
        let row = CampaignRow {
            name: &name,
            objective: &source.objective,
            daily_budget_minor: input.daily_budget_minor,
            total_budget_minor: input.total_budget_minor,
            starts_at,
            ends_at: input.ends_at,
        };
        let copy_id = rows::insert_campaign(&mut tx, source.advertiser_id, &row, caller.user_id).await?;
        rows::set_campaign_status(&mut tx, copy_id, "paused").await?;
        tx.emit(DomainEvent::AdCampaignChanged {
            campaign_id: copy_id,
            advertiser_id: source.advertiser_id,
            status: "paused".into(),
        })
        .await?;
        let copy = rows::get_campaign(tx.conn(), copy_id).await?.ok_or(ErrorCode::AdCampaignNotFound)?;
        let mut ads_left_out = 0;
        for group in &prepared {
            ads_left_out += self.write_group(&mut tx, caller, &copy, group, &group.source.status).await?.1;
        }
        tx.commit().await?;
        self.invalidate();
        Ok(Copied { copy, ads_left_out })
    }

    /// Copies ad group `id` (and its ads) into its campaign under `name`, paused.
    pub async fn duplicate_group(&self, caller: &Caller, id: Id, name: &str) -> Result<Copied<GroupRecord>> {
        let (campaign, source) = self.group(caller, id, OrgAction::ManageAds).await?;
        if campaign.boost_hours.is_some() {
            return Err(Error::new(ErrorCode::AdGroupNotFound));
        }
        changeable(&campaign.status, ErrorCode::AdGroupNotFound)?;
        let prepared = self.prepare(&campaign, source, Some(name)).await?;
        let mut tx = self.db.begin().await?;
        rows::lock_campaign(&mut tx, campaign.id).await?;
        let count = rows::groups_of(tx.conn(), campaign.id, false, AD_GROUPS_PER_CAMPAIGN_MAX as u32 + 1).await?.len();
        if count as i64 >= AD_GROUPS_PER_CAMPAIGN_MAX {
            return Err(Error::new(ErrorCode::AdsLimitReached));
        }
        let (copy, ads_left_out) = self.write_group(&mut tx, caller, &campaign, &prepared, "paused").await?;
        tx.commit().await?;
        self.invalidate();
        Ok(Copied { copy, ads_left_out })
    }

    /// A group of `campaign` checked as if written anew (`name`: a new name).
    async fn prepare(
        &self,
        campaign: &CampaignRecord,
        source: GroupRecord,
        name: Option<&str>,
    ) -> Result<PreparedGroup> {
        let mut input = GroupInput::of(&source);
        if let Some(name) = name {
            input.name = name.to_owned();
        }
        input.name = checked_group(&input, Objective::parse("objective", &campaign.objective)?, &self.config.limits)?;
        let (targeting, audience) = self.resolve_targeting(campaign.advertiser_id, &input).await?;
        let ads = rows::ads_of(&mut *self.db.reader().await?, source.id, false, ADS_PER_GROUP_MAX as u32).await?;
        Ok(PreparedGroup { source, input, targeting, audience, ads })
    }

    /// Writes a prepared group into `campaign` with `status`, and its ads (waiting
    /// for review, paused where the original was); answers the group and how many
    /// ads were left out.
    async fn write_group(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        campaign: &CampaignRecord,
        group: &PreparedGroup,
        status: &str,
    ) -> Result<(GroupRecord, usize)> {
        let placements = placements_text(&group.input.placements);
        let row = GroupRow {
            name: &group.input.name,
            pricing: group.input.pricing.as_str(),
            bid_minor: group.input.bid_minor,
            frequency_cap: group.input.frequency_cap,
            placements: &placements,
            targeting: &group.targeting.to_stored(),
        };
        let id = rows::insert_group(tx, campaign, &row).await?;
        rows::replace_audience(tx, id, &group.audience).await?;
        rows::set_group_status(tx, id, status).await?;
        tx.emit(DomainEvent::AdGroupChanged { group_id: id, campaign_id: campaign.id, status: status.to_owned() })
            .await?;
        let copy = rows::get_group(tx.conn(), id).await?.ok_or(ErrorCode::AdGroupNotFound)?;
        let mut left_out = 0;
        for ad in &group.ads {
            if check_creative(tx.conn(), campaign, ad.note_id).await.is_err() {
                left_out += 1;
                continue;
            }
            let ad_id = rows::insert_ad(tx, &copy, ad.note_id, caller.user_id).await?;
            if ad.status != "active" {
                rows::set_ad_status(tx, ad_id, &ad.status).await?;
            }
            emit_ad(tx, ad_id).await?;
        }
        Ok((copy, left_out))
    }
}
