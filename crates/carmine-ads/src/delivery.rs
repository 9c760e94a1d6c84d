//! Whether an ad can serve now, and if not, the first reason why — what the ads
//! manager shows next to each ad. Serving (later parts) adds budget, balance and
//! pacing; the reasons here are the ad's own.

use carmine_core::{ErrorCode, Result, Timestamp};
use carmine_store::ads::{AdRecord, CampaignRecord, GroupRecord};
use carmine_store::notes::NoteRecord;

use crate::Ads;
use crate::review::check_creative;

/// An ad's state for serving, in the order the reasons are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    Archived,
    Paused,
    Rejected,
    InReview,
    /// The note was deleted, hidden or limited since.
    NoteUnavailable,
    /// The creator revoked the authorisation.
    NotAuthorised,
    /// A product-sales ad whose store closed or whose note no longer tags its products.
    StoreRequired,
    Scheduled,
    Ended,
    Eligible,
}

impl Delivery {
    pub const ALL: [Delivery; 10] = [
        Delivery::Archived,
        Delivery::Paused,
        Delivery::Rejected,
        Delivery::InReview,
        Delivery::NoteUnavailable,
        Delivery::NotAuthorised,
        Delivery::StoreRequired,
        Delivery::Scheduled,
        Delivery::Ended,
        Delivery::Eligible,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Archived => "archived",
            Delivery::Paused => "paused",
            Delivery::Rejected => "rejected",
            Delivery::InReview => "in_review",
            Delivery::NoteUnavailable => "note_unavailable",
            Delivery::NotAuthorised => "not_authorised",
            Delivery::StoreRequired => "store_required",
            Delivery::Scheduled => "scheduled",
            Delivery::Ended => "ended",
            Delivery::Eligible => "eligible",
        }
    }

    /// The ad's state given its parents, the automatic checks' answer and the time.
    pub fn of(
        campaign: &CampaignRecord,
        group: &GroupRecord,
        ad: &AdRecord,
        creative: Option<ErrorCode>,
        now: Timestamp,
    ) -> Delivery {
        let statuses = [campaign.status.as_str(), group.status.as_str(), ad.status.as_str()];
        if statuses.contains(&"archived") {
            return Delivery::Archived;
        }
        // What the review says comes first: a rejected or waiting ad needs that seen to
        // before resuming it would change anything.
        match ad.review_status.as_str() {
            "rejected" => return Delivery::Rejected,
            "pending" => return Delivery::InReview,
            _ => {}
        }
        if statuses.contains(&"paused") {
            return Delivery::Paused;
        }
        match creative {
            Some(ErrorCode::CreativeNotAuthorised) => return Delivery::NotAuthorised,
            Some(ErrorCode::AdStoreRequired) => return Delivery::StoreRequired,
            Some(_) => return Delivery::NoteUnavailable,
            None => {}
        }
        if now < campaign.starts_at {
            return Delivery::Scheduled;
        }
        if campaign.ends_at.is_some_and(|end| end <= now) {
            return Delivery::Ended;
        }
        Delivery::Eligible
    }
}

/// An ad with its note and its state, as the manager lists it.
#[derive(Clone, Debug)]
pub struct AdState {
    pub ad: AdRecord,
    /// `None` when the note is gone.
    pub note: Option<NoteRecord>,
    pub delivery: Delivery,
}

impl Ads {
    /// Each ad's note and state, checking the creative again now.
    pub async fn states(
        &self,
        campaign: &CampaignRecord,
        group: &GroupRecord,
        ads: Vec<AdRecord>,
    ) -> Result<Vec<AdState>> {
        let mut conn = self.db.reader().await?;
        let now = self.db.now();
        let mut out = Vec::with_capacity(ads.len());
        for ad in ads {
            let checked = check_creative(&mut conn, campaign, ad.note_id).await;
            let note = match &checked {
                Ok(note) => Some(note.clone()),
                Err(_) => carmine_store::notes::get(&mut conn, ad.note_id).await?,
            };
            let delivery = Delivery::of(campaign, group, &ad, checked.err().map(|e| e.code), now);
            out.push(AdState { ad, note, delivery });
        }
        Ok(out)
    }

    /// One ad's state.
    pub async fn state(&self, campaign: &CampaignRecord, group: &GroupRecord, ad: AdRecord) -> Result<AdState> {
        Ok(self.states(campaign, group, vec![ad]).await?.remove(0))
    }
}
