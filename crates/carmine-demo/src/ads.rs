//! Advertising in the demo: the first brands run a feed campaign whose ads — their
//! newest public notes — are approved, so the discovery feed and related notes show
//! sponsored cards from the first visit, paid from the ad balances the demo topped up.

use carmine_core::event::DomainEvent;
use carmine_core::{Id, Result, Timestamp};
use carmine_store::Db;
use carmine_store::ads::{self, CampaignRow, GroupRow};

/// Brands that advertise, and ads each.
const ADVERTISERS: usize = 3;
const ADS_EACH: usize = 2;

/// Seeds the campaigns; returns how many ads serve.
pub(crate) async fn seed(db: &Db, now: Timestamp, orgs: &[(Id, Id)], org_notes: &[(Id, Id)]) -> Result<usize> {
    let mut tx = db.begin().await?;
    let mut count = 0;
    for &(org, owner) in orgs.iter().take(ADVERTISERS) {
        let newest: Vec<Id> =
            org_notes.iter().rev().filter(|(by, _)| *by == org).map(|(_, note)| *note).take(ADS_EACH).collect();
        if newest.is_empty() {
            continue;
        }
        let row = CampaignRow {
            name: "新品推广 New arrivals",
            objective: "engagement",
            daily_budget_minor: 20_000,
            total_budget_minor: Some(500_000),
            starts_at: now.plus_seconds(-86_400),
            ends_at: None,
        };
        let campaign_id = ads::insert_campaign(&mut tx, org, &row, owner).await?;
        tx.emit(DomainEvent::AdCampaignChanged { campaign_id, advertiser_id: org, status: "active".into() }).await?;
        let campaign = ads::get_campaign(tx.conn(), campaign_id)
            .await?
            .ok_or_else(|| carmine_core::Error::internal("campaign"))?;
        let group = GroupRow {
            name: "发现页 Feed",
            pricing: "cpc",
            bid_minor: 150,
            frequency_cap: 3,
            placements: "feed,related",
            targeting: "{}",
        };
        let group_id = ads::insert_group(&mut tx, &campaign, &group).await?;
        tx.emit(DomainEvent::AdGroupChanged { group_id, campaign_id, status: "active".into() }).await?;
        let group = ads::get_group(tx.conn(), group_id).await?.ok_or_else(|| carmine_core::Error::internal("group"))?;
        for note_id in newest {
            let ad_id = ads::insert_ad(&mut tx, &group, note_id, owner).await?;
            ads::decide(&mut tx, ad_id, "approved", None, None).await?;
            tx.emit(DomainEvent::AdChanged {
                ad_id,
                group_id,
                note_id,
                review_status: "approved".into(),
                status: "active".into(),
            })
            .await?;
            count += 1;
        }
    }
    tx.commit().await?;
    Ok(count)
}
