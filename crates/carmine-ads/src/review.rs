//! Every ad is checked when it is made and reviewed before it serves.
//!
//! Automatic checks (`check_creative`, run on creation and again on approval): the
//! note is published, public and not limited by moderation; it is the advertiser's
//! own, or a member's note whose creator authorised this organization; a
//! product-sales campaign needs the advertiser's open store and a note tagging one of
//! its products. Then an operator approves, or rejects with a reason, from the queue
//! (`/admin/ads`); each decision is audited. A rejected ad goes back to the queue
//! when its advertiser submits it again (`resubmit_ad`), its note mended.

use carmine_accounts::Caller;
use carmine_accounts::admin::Operator;
use carmine_accounts::orgs::OrgAction;
use carmine_core::limits::{AD_REVIEW_PAGE_MAX, DECISION_REASON_CHARS_MAX};
use carmine_core::text::bounded_text;
use carmine_core::{Error, ErrorCode, Id, Result};
use carmine_store::ads::{self as rows, AdRecord, CampaignRecord};
use carmine_store::notes::{self, NoteRecord};
use carmine_store::{Conn, actors, audit, product_tags, products, stores};

use crate::Ads;
use crate::structure::{changeable, emit_ad};

/// The note `note_id` if `campaign`'s advertiser may advertise it now.
pub async fn check_creative(conn: &mut Conn, campaign: &CampaignRecord, note_id: Id) -> Result<NoteRecord> {
    let note = notes::get(&mut *conn, note_id).await?.ok_or(ErrorCode::NoteNotFound)?;
    let public = note.status == "published" && note.visibility == "public";
    if note.author_id != campaign.advertiser_id {
        if !public {
            return Err(Error::new(ErrorCode::NoteNotFound));
        }
        let creator_note = note.author_kind == "member";
        if !creator_note || !rows::is_authorised(&mut *conn, note_id, campaign.advertiser_id).await? {
            return Err(Error::new(ErrorCode::CreativeNotAuthorised));
        }
    }
    if !public || note.moderation != "none" {
        return Err(Error::new(ErrorCode::NoteNotAdvertisable));
    }
    if campaign.objective == "product_sales" {
        let store = stores::get_by_org(&mut *conn, campaign.advertiser_id).await?.filter(|s| s.status == "open");
        let Some(store) = store else { return Err(Error::new(ErrorCode::AdStoreRequired)) };
        let mut tags_own_product = false;
        for tag in product_tags::for_note(&mut *conn, note_id).await? {
            if products::get(&mut *conn, tag.product_id).await?.is_some_and(|p| p.store_id == store.id) {
                tags_own_product = true;
                break;
            }
        }
        if !tags_own_product {
            return Err(Error::new(ErrorCode::AdStoreRequired));
        }
    }
    Ok(note)
}

/// An ad waiting for review, with what the operator needs to decide.
#[derive(Clone, Debug)]
pub struct PendingAd {
    pub ad: AdRecord,
    pub campaign: CampaignRecord,
    /// The advertiser's handle and kind (`org` or `member`).
    pub advertiser_handle: String,
    pub advertiser_kind: String,
    /// `None` when the note is gone.
    pub note: Option<NoteRecord>,
    /// What the automatic checks say now (`None`: they pass).
    pub problem: Option<ErrorCode>,
}

impl Ads {
    /// The review queue, oldest first.
    pub async fn pending_review(&self, operator: Operator<'_>) -> Result<Vec<PendingAd>> {
        operator.check()?;
        let mut conn = self.db.reader().await?;
        let mut out = Vec::new();
        for ad in rows::pending_review(&mut conn, AD_REVIEW_PAGE_MAX).await? {
            let campaign = rows::get_campaign(&mut conn, ad.campaign_id).await?.ok_or(ErrorCode::AdNotFound)?;
            let actor = actors::get(&mut conn, ad.advertiser_id).await?;
            let note = notes::get(&mut conn, ad.note_id).await?;
            let problem = check_creative(&mut conn, &campaign, ad.note_id).await.err().map(|e| e.code);
            out.push(PendingAd {
                advertiser_handle: actor.as_ref().map(|a| a.handle.clone()).unwrap_or_default(),
                advertiser_kind: actor.map(|a| a.kind).unwrap_or_default(),
                ad,
                campaign,
                note,
                problem,
            });
        }
        Ok(out)
    }

    /// Approves an ad (its note must still pass the automatic checks) or rejects it
    /// with a reason the advertiser sees.
    pub async fn decide(&self, operator: Operator<'_>, id: Id, approve: bool, reason: &str) -> Result<AdRecord> {
        operator.check()?;
        let reason = bounded_text("reason", reason, usize::from(!approve), DECISION_REASON_CHARS_MAX, true)?;
        let mut tx = self.db.begin().await?;
        let ad = rows::get_ad(tx.conn(), id).await?.ok_or(ErrorCode::AdNotFound)?;
        let campaign = rows::get_campaign(tx.conn(), ad.campaign_id).await?.ok_or(ErrorCode::AdNotFound)?;
        if campaign.settled_at.is_some() {
            // A boost that ended (or was stopped) while waiting gave its coins back.
            return Err(Error::new(ErrorCode::AdReviewClosed));
        }
        if approve {
            check_creative(tx.conn(), &campaign, ad.note_id).await?;
        }
        let status = if approve { "approved" } else { "rejected" };
        let reason = Some(reason.as_str()).filter(|r| !r.is_empty());
        if !rows::decide(&mut tx, id, status, reason, operator.admin_id()).await? {
            return Err(Error::new(ErrorCode::AdReviewClosed));
        }
        // A boost starts when approved and gives its coins back when rejected.
        if campaign.boost_hours.is_some() {
            if approve {
                self.start_approved_boost(&mut tx, &campaign).await?;
            } else {
                rows::set_campaign_status(&mut tx, campaign.id, "archived").await?;
                self.settle_boost(&mut tx, campaign.id).await?;
            }
        }
        let action = if approve { "ads.approve" } else { "ads.reject" };
        audit::record(&mut tx, operator.admin_id(), action, "ad", id, &serde_json::json!({ "reason": reason })).await?;
        let ad = emit_ad(&mut tx, id).await?;
        tx.commit().await?;
        self.invalidate();
        Ok(ad)
    }

    /// Sends a rejected ad back to the review queue, once its note passes the
    /// automatic checks (its advertiser has mended the note); the last rejection's
    /// reason stays for the operator to compare.
    pub async fn resubmit_ad(&self, caller: &Caller, id: Id) -> Result<AdRecord> {
        let (campaign, group, ad) = self.ad(caller, id, OrgAction::ManageAds).await?;
        changeable(&ad.status, ErrorCode::AdNotFound)?;
        changeable(&group.status, ErrorCode::AdNotFound)?;
        changeable(&campaign.status, ErrorCode::AdNotFound)?;
        if campaign.boost_hours.is_some() || ad.review_status != "rejected" {
            return Err(Error::new(ErrorCode::AdNotRejected));
        }
        let mut tx = self.db.begin().await?;
        check_creative(tx.conn(), &campaign, ad.note_id).await?;
        if !rows::resubmit(&mut tx, id).await? {
            return Err(Error::new(ErrorCode::AdNotRejected));
        }
        let ad = emit_ad(&mut tx, id).await?;
        tx.commit().await?;
        self.invalidate();
        Ok(ad)
    }
}
