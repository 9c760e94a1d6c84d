//! Sponsored cards on pages: the discovery feed, search results and related notes ask
//! `carmine_ads::Ads::fill` for the ads of the page, then show each as a note card
//! labelled "Sponsored" (an advertiser's) or "Promoted" (a member's boost) that opens
//! through `/ads/click/{token}`; the page reports it viewable (`app.js`). Sponsored
//! cards carry no `data-note`, so their impressions never count as organic ones.
//! Ads never break a page: a failure is logged and the page shows its notes alone.

use carmine_accounts::Caller;
use carmine_ads::{FillRequest, Placement};
use carmine_core::Id;

use crate::app::AppState;
use crate::pages::notes::CardRow;

/// A card's ad: its token and whether it is a boost.
#[derive(Clone, Debug)]
pub(crate) struct SponsoredCard {
    pub token: String,
    pub boost: bool,
}

/// Who sees the page: a member, or a signed-out visitor by their key (a new key when
/// they have none yet: the caller sets the cookie).
pub(crate) struct PageViewer<'a> {
    pub caller: Option<&'a Caller>,
    pub visitor: Option<String>,
}

impl PageViewer<'_> {
    fn key(&self) -> Option<String> {
        match (self.caller, &self.visitor) {
            (Some(caller), _) => Some(format!("m{}", caller.user_id)),
            (None, Some(visitor)) => Some(format!("v{visitor}")),
            (None, None) => None,
        }
    }
}

/// Puts the page's sponsored cards among `cards` (organic, in order).
pub(crate) async fn sponsor(
    state: &AppState,
    viewer: &PageViewer<'_>,
    placement: Placement,
    cards: &mut Vec<CardRow>,
    context_topics: Vec<String>,
    query: Option<&str>,
) {
    let Some(key) = viewer.key() else { return };
    let page_notes: Vec<Id> = cards.iter().filter_map(|c| c.id.parse().ok()).collect();
    let request = FillRequest {
        placement,
        member: viewer.caller.map(|c| c.user_id),
        viewer_key: &key,
        page_notes: &page_notes,
        context_topics,
        query,
    };
    let sponsored = match state.ads().fill(&request).await {
        Ok(sponsored) => sponsored,
        Err(error) => {
            tracing::warn!(error = %error, "sponsored cards could not be filled");
            return;
        }
    };
    for ad in sponsored {
        let notes = match state.notes().visible_records(viewer.caller, &[ad.note_id]).await {
            Ok(notes) => notes,
            Err(error) => {
                tracing::warn!(error = %error, "a sponsored note could not be read");
                continue;
            }
        };
        let Some(note) = notes.first() else { continue };
        let card = CardRow {
            sponsored: Some(SponsoredCard { token: ad.token, boost: ad.boost }),
            reason: None,
            ..CardRow::from(note)
        };
        cards.insert(ad.position.min(cards.len()), card);
    }
}

/// A fresh signed-out visitor key.
pub(crate) fn new_visitor_key() -> String {
    carmine_core::secret::random_token(18)
}
